"""Handing a task to Celery from a web process, after a commit, without waiting for Redis."""

import logging

from django.conf import settings
from kombu import pools

logger = logging.getLogger(__name__)


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
        # Fail fast when the broker is down (one connection attempt, no publish retries:
        # kombu would otherwise retry for seconds) or hangs (short socket time-outs).
        with pools.connections[impatient_connection(task.app)].acquire(
            block=True, timeout=settings.BROKER_TIMEOUT_SECONDS
        ) as connection:
            connection.ensure_connection(max_retries=0)
            task.apply_async(args, connection=connection, retry=False)
        return True
    except Exception:
        logger.warning(
            "Could not hand %s%r to Celery; the sweeper will retry.", task.name, args, exc_info=True
        )
        return False


def impatient_connection(app, url: str | None = None):
    """A broker connection whose every connect and read gives up after BROKER_TIMEOUT_SECONDS.

    For the web processes: a broker that hangs (it accepts connections and never
    answers) held checkout 30 s. Workers keep the configured options, which wait
    on their long blocking reads as they should.
    """
    timeout = settings.BROKER_TIMEOUT_SECONDS
    options = {
        **app.conf.broker_transport_options,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
    }
    return app.connection_for_write(url, connect_timeout=timeout, transport_options=options)
