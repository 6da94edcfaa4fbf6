"""The Celery application: Redis broker from CELERY_BROKER_URL, eager in-process otherwise."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)

app = Celery("clickcollect")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def publish_quietly(task, *args) -> bool:
    """Publish `task(*args)`, or run it here in embedded mode; never raise. Return whether it went.

    Called after a commit, inside a request or another task: a broker that is
    down must neither fail the caller nor block it. The caller's rows keep
    what is left to do, and a periodic sweeper publishes the task again.
    """
    try:
        if task.app.conf.task_always_eager:
            task.apply_async(args)
            return True
        # Fail fast when the broker is down: one connection attempt and no
        # publish retries (kombu would otherwise retry for several seconds).
        with task.app.pool.acquire(block=True) as connection:
            connection.ensure_connection(max_retries=0)
            task.apply_async(args, connection=connection, retry=False)
        return True
    except Exception:
        logger.warning(
            "Could not hand %s%r to Celery; the sweeper will retry.", task.name, args, exc_info=True
        )
        return False
