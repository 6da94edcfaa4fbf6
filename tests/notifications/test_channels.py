"""Notifications by channel: the outbox treats every channel alike, each with its sender."""

import pytest
from django.core import mail

from notifications import services
from notifications.models import Notification
from notifications.services import queue_notification
from tests.factories import PatronFactory
from tests.notifications.channels import TextMessages

# Without transaction=True, nothing runs on commit: each test sends when it says so.
pytestmark = pytest.mark.django_db


@pytest.fixture
def sms(settings):
    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS,
        "sms": "tests.notifications.channels.TextMessages",
    }
    TextMessages.sent = []
    return TextMessages


def queue(recipient, *, channel: str, dedup_key: str = "test:1"):
    return queue_notification(
        kind="test_event",
        recipient=recipient,
        context={"reference": "CC-7K3Q9", "title": "Persepolis"},
        dedup_key=dedup_key,
        channel=channel,
    )


def test_a_second_channel_renders_its_own_templates_and_sends_through_its_sender(sms):
    patron = PatronFactory(first_name="Zoé", phone="06 12 34 56 78", preferred_language="fr")

    notification = queue(patron, channel="sms")
    sent = services.send_queued_notification(notification_id=notification.pk)

    notification.refresh_from_db()
    assert sent.sent
    assert (notification.channel, notification.address) == ("sms", "06 12 34 56 78")
    assert sms.sent == [("06 12 34 56 78", "Zoé: CC-7K3Q9 & co, Persepolis.")]
    assert notification.status == Notification.Status.SENT
    assert notification.provider_message_id == f"sms-{notification.pk}"
    assert mail.outbox == []


def test_a_recipient_without_an_address_on_the_channel_is_a_failure_to_see(sms):
    patron = PatronFactory(phone="", email="zoe@example.org")

    by_sms = queue(patron, channel="sms")
    by_email = queue(patron, channel="email", dedup_key="test:2")

    assert (by_sms.status, by_sms.last_error) == (Notification.Status.FAILED, "no mobile number")
    assert (by_email.channel, by_email.address) == ("email", "zoe@example.org")
    assert by_email.status == Notification.Status.QUEUED


def test_e_mail_stays_the_default_channel():
    notification = queue(PatronFactory(email="zoe@example.org"), channel="email")

    assert Notification.objects.get().channel == "email"
    assert notification.address == "zoe@example.org"
