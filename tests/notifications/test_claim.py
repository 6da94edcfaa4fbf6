"""Sending claims the row and commits before talking to the provider (issue 15, item 3).

The e-mail used to go out inside the transaction that locked its row, so a
worker killed after the provider had accepted it left no trace of the attempt,
and the database held a transaction open for the provider's whole reply time.
"""

import datetime
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from notifications import services
from notifications.models import Notification
from tests.factories import NotificationFactory
from tests.notifications.backends import SlowBackend

SENDING = Notification.Status.SENDING


def lease_over(notification, *, attempts, seconds_ago=1):
    """Leave the row as a worker that died mid-send leaves it, its lease over."""
    Notification.objects.filter(pk=notification.pk).update(
        status=SENDING,
        attempts=attempts,
        lease_expires_at=timezone.now() - datetime.timedelta(seconds=seconds_ago),
    )


@pytest.mark.django_db(transaction=True)
def test_the_provider_is_called_with_the_claim_committed_and_no_transaction_open(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.SlowBackend"
    settings.NOTIFICATION_SEND_LEASE_SECONDS = 300
    SlowBackend.started.clear()
    SlowBackend.release.clear()
    SlowBackend.in_transaction = None
    notification = NotificationFactory()
    results, errors = [], []

    def worker():
        try:
            results.append(services.send_queued_notification(notification_id=notification.pk))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert SlowBackend.started.wait(timeout=10)
        # Another connection (a second worker, the admin) sees the claim while
        # the provider is still answering.
        seen = Notification.objects.get(pk=notification.pk)
    finally:
        SlowBackend.release.set()
        thread.join(timeout=10)

    assert errors == []
    assert SlowBackend.in_transaction is False
    assert seen.status == SENDING
    assert seen.attempts == 1
    lease = (seen.lease_expires_at - seen.updated_at).total_seconds()
    assert lease == 300
    assert results[0].sent is True
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.lease_expires_at is None
    assert notification.sent_at >= seen.updated_at


@pytest.mark.django_db
class TestAWorkerLostMidSend:
    def test_its_row_is_left_alone_while_the_lease_runs(self):
        notification = NotificationFactory()
        lease_over(notification, attempts=1, seconds_ago=-60)  # 60 s of lease left

        assert services.stale_notification_ids(older_than_seconds=0) == []
        assert services.send_queued_notification(notification_id=notification.pk).sent is False
        assert mail.outbox == []

    def test_once_the_lease_is_over_the_sweeper_and_the_next_attempt_take_it(self):
        notification = NotificationFactory()
        lease_over(notification, attempts=1)

        assert services.stale_notification_ids() == [notification.pk]
        result = services.send_queued_notification(notification_id=notification.pk)

        assert result.sent is True
        assert len(mail.outbox) == 1
        notification.refresh_from_db()
        assert notification.status == Notification.Status.SENT
        assert notification.attempts == 2  # the lost attempt counts
        assert notification.last_error == ""

    def test_an_email_that_lost_every_attempt_ends_failed_unsent(self):
        notification = NotificationFactory()
        lease_over(notification, attempts=services.MAX_ATTEMPTS)

        result = services.send_queued_notification(notification_id=notification.pk)

        assert result.sent is False
        assert mail.outbox == []
        notification.refresh_from_db()
        assert notification.status == Notification.Status.FAILED
        assert notification.lease_expires_at is None
        assert notification.last_error == services.LOST_WORKER
        assert notification.attempts == services.MAX_ATTEMPTS

    def test_a_late_answer_does_not_overwrite_the_attempt_that_took_over(self, settings):
        settings.EMAIL_BACKEND = "tests.notifications.backends.LeaseLostBackend"
        notification = NotificationFactory()

        result = services.send_queued_notification(notification_id=notification.pk)

        assert result.sent is False
        notification.refresh_from_db()
        assert notification.status == SENDING  # the second attempt's to settle
        assert notification.attempts == 2
        assert notification.last_error == ""

    def test_the_retention_job_leaves_e_mails_being_sent_alone(self):
        notification = NotificationFactory()
        lease_over(notification, attempts=1, seconds_ago=-60)
        Notification.objects.filter(pk=notification.pk).update(
            updated_at=timezone.now() - datetime.timedelta(days=90)
        )

        assert services.forget_sent_e_mails() == 0
        notification.refresh_from_db()
        assert notification.body_text and notification.address


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"status": SENDING, "lease_expires_at": None},
        {"status": Notification.Status.SENT, "lease_expires_at": timezone.now()},
    ],
    ids=["sending-without-lease", "lease-while-sent"],
)
def test_the_database_keeps_a_lease_exactly_while_sending(changes):
    notification = NotificationFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(**changes)


class FakeBrevo(BaseHTTPRequestHandler):
    """Brevo's /v3/smtp/email: answers 500 to the first request, 201 afterwards."""

    requests: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        if len(type(self).requests) == 1:
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b'{"code": "internal_error"}')
            return
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"messageId": "<2026@smtp-relay.brevo.com>"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_brevo(settings):
    FakeBrevo.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeBrevo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "anymail.backends.brevo.EmailBackend"
    settings.ANYMAIL = {
        "BREVO_API_KEY": "test-key",
        "BREVO_API_URL": f"http://127.0.0.1:{server.server_port}/v3/",
    }
    yield FakeBrevo
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_every_attempt_at_one_email_carries_the_same_brevo_idempotency_key(fake_brevo):
    notification = NotificationFactory()
    other = NotificationFactory()

    first = services.send_queued_notification(notification_id=notification.pk)
    second = services.send_queued_notification(notification_id=notification.pk)
    services.send_queued_notification(notification_id=other.pk)

    assert (first.sent, second.sent) == (False, True)
    failed_try, retry, other_email = (request["headers"] for request in fake_brevo.requests)
    key = failed_try["idempotencyKey"]
    assert uuid.UUID(key).version == 5
    assert retry["idempotencyKey"] == key
    assert retry["Message-ID"] == failed_try["Message-ID"]
    assert other_email["idempotencyKey"] != key
    notification.refresh_from_db()
    assert notification.provider_message_id == "<2026@smtp-relay.brevo.com>"
    assert notification.attempts == 2


@pytest.mark.django_db
def test_no_idempotency_header_for_a_provider_that_would_not_read_it():
    notification = NotificationFactory()

    services.send_queued_notification(notification_id=notification.pk)

    assert "idempotencyKey" not in mail.outbox[0].extra_headers
    assert mail.outbox[0].extra_headers["Message-ID"].startswith("<notification-")
