"""A real Celery worker, a real Redis broker, the test database: the e-mail goes out once.

Each test starts its own redis-server on a free port (the machine's shared
Redis is never touched) and a worker subprocess whose Django uses this test
database and writes e-mails to files the test reads (tests/celery_worker.py).
"""

import time

import pytest
from django.db import transaction

from notifications.models import Notification
from notifications.services import queue_notification
from notifications.tasks import requeue_stale_notifications, send_notification
from tests.celery_worker import needs_redis_server, publishing_to, sent_emails, wait_for
from tests.factories import PatronFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_redis_server,
    pytest.mark.usefixtures("postgresql_only"),
]


def queue_in_committed_transaction(dedup_key: str) -> Notification:
    patron = PatronFactory(email="zoe@example.org", preferred_language="en")
    with transaction.atomic():
        notification = queue_notification(
            kind="test_event",
            recipient=patron,
            context={"reference": "CC-7K3Q9", "title": "Persepolis", "deadline": None},
            dedup_key=dedup_key,
        )
    return notification


def status_of(notification: Notification) -> str:
    notification.refresh_from_db()
    return notification.status


def assert_sent_exactly_once(notification, outbox_dir, private_redis):
    wait_for(lambda: status_of(notification) == "sent", what="the notification to be sent")
    # Duplicates of the task (a redelivery, the sweeper's copy) change nothing.
    send_notification.delay(notification.pk)
    requeue_stale_notifications.delay(0)
    wait_for(lambda: private_redis.pending_messages() == 0, what="the worker to drain its queue")
    emails = sent_emails(outbox_dir)
    assert len(emails) == 1
    assert emails[0]["Message-ID"].startswith(f"<notification-{notification.pk}@")
    assert emails[0]["To"] == "zoe@example.org"
    assert emails[0]["Subject"] == notification.subject
    assert emails[0]["Subject"].startswith("Order CC-7K3Q9")
    notification.refresh_from_db()
    assert notification.attempts == 1


def test_a_real_worker_sends_the_email_once(private_redis, start_worker, outbox_dir):
    private_redis.start()
    worker = start_worker(private_redis.url)

    with publishing_to(private_redis.url):
        notification = queue_in_committed_transaction("worker:1")
        assert_sent_exactly_once(notification, outbox_dir, private_redis)

    assert worker.poll() is None


def test_broker_down_at_submission_then_back(private_redis, start_worker, outbox_dir):
    with publishing_to(private_redis.url):
        # The broker is down: the change commits, the publish fails fast and quietly.
        started = time.monotonic()
        notification = queue_in_committed_transaction("worker:2")
        assert time.monotonic() - started < 3
        assert status_of(notification) == "queued"

        # The broker comes back with a worker; the beat's sweeper finds the row.
        private_redis.start()
        start_worker(private_redis.url)
        time.sleep(0.5)
        assert status_of(notification) == "queued"
        requeue_stale_notifications.delay(0)

        assert_sent_exactly_once(notification, outbox_dir, private_redis)
