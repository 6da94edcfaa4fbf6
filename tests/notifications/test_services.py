import datetime

import pytest
from django.core import mail
from django.db import transaction

from notifications import services
from notifications.models import Notification
from notifications.services import queue_notification
from tests.factories import NotificationFactory, PatronFactory, ReservationFactory

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2020, 12, 5)  # a Saturday


def queue(recipient, *, dedup_key="test:1", kind="test_event", **kwargs):
    context = {"reference": "CC-7K3Q9", "title": "L'Arabe du futur", "deadline": DEADLINE}
    return queue_notification(
        kind=kind, recipient=recipient, context=context, dedup_key=dedup_key, **kwargs
    )


class TestQueueNotification:
    def test_renders_in_the_patrons_language_french(self):
        patron = PatronFactory(first_name="Zoé", preferred_language="fr")

        notification = queue(patron)

        assert notification.language == "fr"
        assert (
            notification.subject == "Order CC-7K3Q9 due samedi 5 décembre · Bibliothèques de Paris"
        )
        assert notification.body_text.startswith(
            "Bonjour Zoé,\n\nCC-7K3Q9 & co: samedi 5 décembre 2020"
        )
        assert "https://drive.example.org/account/reservations/" in notification.body_text
        assert (
            "Ce message vous a été envoyé automatiquement par le service click & collect "
            "de Bibliothèques de Paris." in notification.body_text
        )
        assert '<html lang="fr">' in notification.body_html
        assert "CC-7K3Q9 &amp; <b>L&#x27;Arabe du futur</b>: samedi 5 décembre 2020" in (
            notification.body_html
        )

    def test_renders_in_the_patrons_language_english(self):
        patron = PatronFactory(first_name="Zoe", preferred_language="en")

        notification = queue(patron)

        assert notification.language == "en"
        assert (
            notification.subject
            == "Order CC-7K3Q9 due Saturday 5 December · Bibliothèques de Paris"
        )
        assert notification.body_text.startswith(
            "Hello Zoe,\n\nCC-7K3Q9 & co: Saturday 5 December 2020"
        )
        assert '<html lang="en">' in notification.body_html

    def test_stores_recipient_address_and_what_it_is_about(self):
        reservation = ReservationFactory()
        patron = reservation.patron

        notification = queue(patron, about=reservation)

        notification.refresh_from_db()
        assert notification.status == Notification.Status.QUEUED
        assert notification.kind == "test_event"
        assert notification.recipient == patron
        assert notification.address == patron.email
        assert notification.about == reservation
        assert notification.attempts == 0

    def test_html_body_is_optional(self):
        notification = queue(PatronFactory(), kind="text_only")

        assert notification.body_html == ""
        assert notification.subject == "Plain CC-7K3Q9"
        assert "Only text for L'Arabe du futur" in notification.body_text

    def test_same_dedup_key_twice_creates_one_row_and_returns_none(self):
        patron = PatronFactory()

        with transaction.atomic():
            first = queue(patron, dedup_key="reservation:1:ready")
            second = queue(patron, dedup_key="reservation:1:ready")
            # The caller's transaction is still usable.
            other = PatronFactory()

        assert first is not None
        assert second is None
        assert Notification.objects.filter(dedup_key="reservation:1:ready").count() == 1
        assert other.pk is not None

    def test_duplicate_insert_does_not_break_the_callers_transaction(self, monkeypatch):
        # A concurrent transaction committed the same key between our check and
        # our insert: the insert fails inside a savepoint only.
        patron = PatronFactory()
        NotificationFactory(dedup_key="reservation:1:ready")
        real_filter = Notification.objects.filter
        calls = []

        def filter_missing_once(*args, **kwargs):
            queryset = real_filter(*args, **kwargs)
            if not calls:
                calls.append(1)
                return queryset.none()
            return queryset

        monkeypatch.setattr(Notification.objects, "filter", filter_missing_once)
        with transaction.atomic():
            assert queue(patron, dedup_key="reservation:1:ready") is None
            PatronFactory()  # still usable

        assert Notification.objects.count() == 1

    def test_sending_is_queued_only_on_commit(self, django_capture_on_commit_callbacks):
        patron = PatronFactory()

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            notification = queue(patron)

        assert len(callbacks) == 1
        assert mail.outbox == []
        callbacks[0]()  # the commit: the task runs (eagerly in tests)
        notification.refresh_from_db()
        assert notification.status == Notification.Status.SENT
        assert len(mail.outbox) == 1

    def test_nothing_is_sent_when_the_transaction_rolls_back(self):
        patron = PatronFactory()

        with pytest.raises(RuntimeError), transaction.atomic():
            queue(patron)
            raise RuntimeError

        assert not Notification.objects.exists()
        assert mail.outbox == []

    def test_recipient_without_address_gets_a_failed_row_and_no_task(
        self, django_capture_on_commit_callbacks
    ):
        patron = PatronFactory(email="")

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            notification = queue(patron)

        assert callbacks == []
        notification.refresh_from_db()
        assert notification.status == Notification.Status.FAILED
        assert notification.last_error == "no e-mail address"
        assert notification.address == ""
        assert mail.outbox == []

    def test_a_broker_that_is_down_does_not_fail_the_caller(
        self, monkeypatch, django_capture_on_commit_callbacks, caplog
    ):
        from notifications import tasks

        def broker_down(*args, **kwargs):
            raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:1")

        monkeypatch.setattr(tasks.send_notification, "apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            notification = queue(PatronFactory())

        notification.refresh_from_db()
        assert notification.status == Notification.Status.QUEUED
        assert "the sweeper will retry" in caplog.text


class TestForgetSentEmails:
    NOW = datetime.datetime(2027, 6, 15, 3, 45, tzinfo=datetime.UTC)

    def old(self, status, days=31, **fields):
        notification = NotificationFactory(
            status=status, body_text="https://x/pickup/secret/", body_html="<p>secret</p>", **fields
        )
        Notification.objects.filter(pk=notification.pk).update(
            updated_at=self.NOW - datetime.timedelta(days=days)
        )
        return notification

    def test_thirty_days_after_sending_the_address_and_bodies_are_erased(self):
        sent, bounced = self.old("sent"), self.old("bounced", last_error="550 zoe@example.org")
        queued, recent = self.old("queued"), self.old("delivered", days=29)

        assert services.forget_sent_e_mails(now=self.NOW) == 2

        for notification in (sent, bounced):
            notification.refresh_from_db()
            assert (notification.address, notification.body_text, notification.body_html) == (
                "",
                "",
                "",
            )
            assert notification.last_error == ""
            assert notification.subject and notification.kind
        for kept in (queued, recent):
            kept.refresh_from_db()
            assert "secret" in kept.body_text and kept.address

    def test_an_erased_failure_is_not_sent_again_empty(self):
        failed = self.old("failed")
        services.forget_sent_e_mails(now=self.NOW)

        assert services.send_again(notifications=Notification.objects.filter(pk=failed.pk)) == 0
        failed.refresh_from_db()
        assert failed.status == "failed"
