"""The Celery application: Redis broker from CELERY_BROKER_URL, eager in-process otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("clickcollect")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
