"""Workers killed (SIGKILL) while sending: every e-mail arrives, at most one duplicate per kill.

Issue 15, item 3. A real worker sends 40 e-mails to a real SMTP server on
loopback (tests/smtp_sink.py) that takes 50 ms to answer each. Three times,
the server kills the worker:

- twice once it has received a whole message and before it answers 250: the
  message is delivered but the worker never learns it. That is the only window
  for a duplicate, and it lasts the provider's reply time;
- once at MAIL FROM, before anything is delivered.

The bound stated in the README: **at most one duplicate per worker killed
while the provider was answering, none for a worker killed before**, with the
same Message-ID both times, and every killed attempt counted on the row (an
e-mail that kills every worker ends `failed` instead of looping).
"""

import collections
import os
import signal
import threading

import pytest
from django.db import transaction

from notifications import services
from notifications.models import Notification
from tests.celery_worker import (
    STARTUP_TIMEOUT,
    needs_redis_server,
    publishing_to,
    wait_for,
)
from tests.factories import PatronFactory
from tests.smtp_sink import SMTPSink

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_redis_server,
    pytest.mark.usefixtures("postgresql_only"),
]

EMAILS = 40
KILL_AFTER_DATA = {10, 30}  # the 10th and 30th message received: killed before the 250
KILL_AT_MAIL_FROM = 20  # the 20th MAIL FROM: killed before any data
LEASE_SECONDS = 2


@pytest.fixture
def smtp_sink():
    sink = SMTPSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


def queue_emails(count: int) -> list[Notification]:
    patron = PatronFactory(email="zoe@example.org", preferred_language="fr")
    with transaction.atomic():
        return [
            services.queue_notification(
                kind="test_event",
                recipient=patron,
                context={"reference": f"CC-K{n:04d}", "title": "Persepolis", "deadline": None},
                dedup_key=f"killed-mid-send:{n}",
            )
            for n in range(count)
        ]


def notification_id(message_id: str) -> int:
    """The notification's id in its stable Message-ID, <notification-<id>@<domain>>."""
    return int(message_id.removeprefix("<notification-").partition("@")[0])


def test_killed_workers_lose_no_email_and_double_only_what_the_provider_had(
    private_redis, start_worker, smtp_sink
):
    private_redis.start()
    worker_env = {
        "EMAIL_URL": smtp_sink.url,
        "NOTIFICATION_SEND_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    workers = [start_worker(private_redis.url, env=worker_env)]
    kills = {"after_data": [], "at_mail_from": 0}
    kill_lock = threading.Lock()

    def kill_the_worker():
        with kill_lock:
            os.kill(workers[-1].pid, signal.SIGKILL)

    def before_reply(message, received):
        if received in KILL_AFTER_DATA:
            kills["after_data"].append(message["Message-ID"])
            kill_the_worker()

    def on_mail_from(count):
        if count == KILL_AT_MAIL_FROM:
            kills["at_mail_from"] += 1
            kill_the_worker()

    smtp_sink.reply_delay = 0.05
    smtp_sink.before_reply = before_reply
    smtp_sink.on_mail_from = on_mail_from

    def all_sent_while_reviving_workers():
        with kill_lock:
            if workers[-1].poll() is not None:
                workers.append(start_worker(private_redis.url, env=worker_env))
        # The beat's sweeper: rows whose worker died are sent again after the lease.
        services.requeue_stale_notifications()
        return not Notification.objects.exclude(status=Notification.Status.SENT).exists()

    with publishing_to(private_redis.url):
        notifications = queue_emails(EMAILS)
        wait_for(
            all_sent_while_reviving_workers,
            what="every e-mail to be sent",
            timeout=4 * STARTUP_TIMEOUT,
        )

    received = collections.Counter(notification_id(m) for m in smtp_sink.message_ids())
    kills["after_data"] = [notification_id(m) for m in kills["after_data"]]
    expected_ids = {n.pk for n in notifications}
    assert len(workers) == 4  # three killed, each replaced
    assert set(received) == expected_ids  # nothing lost, nothing foreign
    duplicates = {pk: count for pk, count in received.items() if count > 1}
    assert duplicates == dict.fromkeys(kills["after_data"], 2)
    assert sum(received.values()) == EMAILS + len(KILL_AFTER_DATA)

    rows = {row.pk: row for row in Notification.objects.all()}
    retried = {pk for pk, row in rows.items() if row.attempts == 2}
    assert set(kills["after_data"]) < retried  # the killed attempts are counted
    assert len(retried) == len(KILL_AFTER_DATA) + kills["at_mail_from"]
    assert all(row.attempts in (1, 2) for row in rows.values())
    assert all(row.lease_expires_at is None and row.sent_at for row in rows.values())
    assert all(row.last_error == "" for row in rows.values())
