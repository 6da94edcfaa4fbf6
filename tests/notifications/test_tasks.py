import datetime
import threading
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import connection
from django.utils import timezone

from notifications import services
from notifications.models import Notification
from notifications.tasks import requeue_stale_notifications, send_notification
from tests.factories import NotificationFactory
from tests.notifications.backends import SlowBackend


def make_old(notification, *, seconds, **changes):
    """Pretend the row was last changed `seconds` ago (update() skips auto_now)."""
    past = timezone.now() - datetime.timedelta(seconds=seconds)
    Notification.objects.filter(pk=notification.pk).update(
        created_at=past, updated_at=past, **changes
    )


@pytest.mark.django_db
class TestSendNotification:
    def test_sends_the_stored_email_once_and_marks_it_sent(self, settings):
        settings.DEFAULT_FROM_EMAIL = "Bibliothèques <drive@bibliotheques.example>"
        notification = NotificationFactory(
            subject="Vos documents sont prêts", body_text="Texte", body_html="<p>HTML</p>"
        )

        send_notification.delay(notification.pk)

        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.subject == "Vos documents sont prêts"
        assert message.to == [notification.address]
        assert message.from_email == "Bibliothèques <drive@bibliotheques.example>"
        assert message.body == "Texte"
        assert message.alternatives[0][:2] == ("<p>HTML</p>", "text/html")
        assert message.extra_headers["Message-ID"] == (
            f"<notification-{notification.pk}@bibliotheques.example>"
        )
        notification.refresh_from_db()
        assert notification.status == Notification.Status.SENT
        assert notification.attempts == 1
        assert notification.sent_at is not None
        assert notification.provider_message_id == ""

    def test_plain_text_only_when_there_is_no_html(self):
        notification = NotificationFactory(body_html="")

        send_notification.delay(notification.pk)

        assert mail.outbox[0].alternatives == []

    def test_running_twice_sends_once(self):
        notification = NotificationFactory()

        send_notification.delay(notification.pk)
        send_notification.delay(notification.pk)

        assert len(mail.outbox) == 1
        notification.refresh_from_db()
        assert notification.attempts == 1

    @pytest.mark.parametrize("status", ["sent", "failed", "delivered", "bounced"])
    def test_only_queued_notifications_are_sent(self, status):
        notification = NotificationFactory(status=status)

        send_notification.delay(notification.pk)

        assert mail.outbox == []

    def test_a_missing_notification_is_ignored(self):
        send_notification.delay(123456789)

        assert mail.outbox == []

    def test_stores_the_providers_message_id(self, settings):
        settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
        mail.outbox = [object(), object()]  # the test ESP's id is the outbox index
        notification = NotificationFactory()

        send_notification.delay(notification.pk)

        notification.refresh_from_db()
        assert notification.status == Notification.Status.SENT
        assert notification.provider_message_id == "2"
        assert len(mail.outbox) == 3

    def test_failure_is_retried_with_exponential_backoff_then_failed(self, settings):
        settings.EMAIL_BACKEND = "tests.notifications.backends.BrokenBackend"
        notification = NotificationFactory()

        # As a worker runs it: each failed attempt asks Celery for a retry later.
        with mock.patch.object(send_notification, "retry", side_effect=Retry) as retry:
            for _attempt in range(4):
                with pytest.raises(Retry):
                    send_notification(notification.pk)
            send_notification(notification.pk)  # the fifth and last attempt

        assert [call.kwargs["countdown"] for call in retry.call_args_list] == [60, 120, 240, 480]
        notification.refresh_from_db()
        assert notification.status == Notification.Status.FAILED
        assert notification.attempts == services.MAX_ATTEMPTS == 5
        assert notification.last_error == (
            "ConnectionRefusedError: SMTP server refused the connection"
        )
        assert notification.sent_at is None
        assert mail.outbox == []

        send_notification(notification.pk)  # a late copy of the task does nothing
        notification.refresh_from_db()
        assert notification.attempts == 5

    def test_in_process_a_failure_waits_for_the_sweeper(self, settings):
        # Embedded mode runs tasks eagerly: no immediate retry loop in the request.
        settings.EMAIL_BACKEND = "tests.notifications.backends.BrokenBackend"
        notification = NotificationFactory()

        send_notification.delay(notification.pk)

        notification.refresh_from_db()
        assert notification.status == Notification.Status.QUEUED
        assert notification.attempts == 1
        assert services.stale_notification_ids(older_than_seconds=-60) == [notification.pk]

    def test_a_failed_attempt_leaves_the_row_queued_for_the_retry(self, settings):
        settings.EMAIL_BACKEND = "tests.notifications.backends.BrokenBackend"
        notification = NotificationFactory()

        result = services.send_queued_notification(notification_id=notification.pk)

        assert result.sent is False
        assert result.retry_in == 60
        notification.refresh_from_db()
        assert notification.status == Notification.Status.QUEUED
        assert notification.attempts == 1
        assert "refused" in notification.last_error

    def test_a_retry_that_succeeds_clears_the_error(self, settings):
        notification = NotificationFactory(attempts=2, last_error="timeout")

        send_notification.delay(notification.pk)

        notification.refresh_from_db()
        assert notification.status == Notification.Status.SENT
        assert notification.attempts == 3
        assert notification.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_once(settings):
    """While one worker is talking to the provider, another leaves the claimed row alone."""
    if connection.vendor != "postgresql":
        pytest.skip("a second connection during the send needs PostgreSQL")
    settings.EMAIL_BACKEND = "tests.notifications.backends.SlowBackend"
    SlowBackend.started.clear()
    SlowBackend.release.clear()
    notification = NotificationFactory()
    errors = []

    def worker():
        try:
            services.send_queued_notification(notification_id=notification.pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=worker)
    first.start()
    assert SlowBackend.started.wait(timeout=10)
    # The first worker has claimed the row and is sending: the second returns at once.
    second = services.send_queued_notification(notification_id=notification.pk)
    SlowBackend.release.set()
    first.join(timeout=10)

    assert second.sent is False
    assert errors == []
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1


@pytest.mark.django_db
class TestRequeueStaleNotifications:
    def test_requeues_only_rows_left_queued_for_a_minute(self):
        stale = NotificationFactory()
        make_old(stale, seconds=61)
        fresh = NotificationFactory()
        make_old(fresh, seconds=30)
        for status in ["sent", "failed", "delivered", "bounced"]:
            make_old(NotificationFactory(status=status), seconds=3600)

        with mock.patch.object(send_notification, "apply_async") as apply_async:
            count = requeue_stale_notifications.delay().get()

        assert count == 1
        assert [call.args[0] for call in apply_async.call_args_list] == [(stale.pk,)]
        fresh.refresh_from_db()
        assert fresh.status == Notification.Status.QUEUED

    def test_waits_for_the_retry_backoff_before_requeueing(self):
        # After 2 failed attempts the task retries in 120 s: not stale before 60 + 120 s.
        waiting = NotificationFactory()
        make_old(waiting, seconds=150, attempts=2)
        lost = NotificationFactory()
        make_old(lost, seconds=200, attempts=2)

        assert services.stale_notification_ids() == [lost.pk]

    def test_threshold_is_a_setting_and_a_parameter(self, settings):
        notification = NotificationFactory()
        make_old(notification, seconds=5)
        assert services.stale_notification_ids() == []

        settings.NOTIFICATION_REQUEUE_AFTER_SECONDS = 2
        assert services.stale_notification_ids() == [notification.pk]
        assert services.stale_notification_ids(older_than_seconds=10) == []

    def test_requeued_rows_are_sent(self):
        notification = NotificationFactory()
        make_old(notification, seconds=120)

        requeue_stale_notifications.delay()

        assert len(mail.outbox) == 1
        notification.refresh_from_db()
        assert notification.status == Notification.Status.SENT

    def test_batch_is_bounded_oldest_first(self, monkeypatch):
        monkeypatch.setattr(services, "REQUEUE_BATCH_SIZE", 2)
        rows = NotificationFactory.create_batch(3)
        for age, row in zip([300, 200, 100], rows, strict=True):
            make_old(row, seconds=age)

        assert services.stale_notification_ids() == [rows[0].pk, rows[1].pk]
