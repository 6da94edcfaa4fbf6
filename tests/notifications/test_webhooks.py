import base64
import json

import pytest
from django.core import checks

from notifications import services
from notifications.models import Notification
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

MESSAGE_ID = "<202011280930.12345678901@smtp-relay.mailin.fr>"


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.EMAIL_BACKEND = "anymail.backends.brevo.EmailBackend"
    settings.ANYMAIL = {"WEBHOOK_SECRET": "brevo:s3cret", "BREVO_API_KEY": "not-used"}


def post_brevo_event(client, event, *, credentials="brevo:s3cret", **fields):
    """Post a Brevo transactional webhook call, as Brevo does, to anymail's tracking URL."""
    payload = {
        "event": event,
        "email": "zoe@example.org",
        "message-id": MESSAGE_ID,
        "ts_epoch": 1606552200000,
        "subject": "Vos documents sont prêts",
        **fields,
    }
    return client.post(
        "/anymail/brevo/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(credentials.encode()).decode(),
    )


def sent_notification(**kwargs):
    return NotificationFactory(status="sent", provider_message_id=MESSAGE_ID, **kwargs)


def test_delivered_event_marks_the_notification_delivered(client):
    notification = sent_notification()

    response = post_brevo_event(client, "delivered")

    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.status == Notification.Status.DELIVERED


@pytest.mark.parametrize("event", ["hard_bounce", "soft_bounce", "invalid_email", "blocked"])
def test_bounce_or_rejection_marks_the_notification_bounced(client, event):
    notification = sent_notification()

    post_brevo_event(client, event, reason="550 5.1.1 mailbox unavailable")

    notification.refresh_from_db()
    assert notification.status == Notification.Status.BOUNCED
    assert "550 5.1.1 mailbox unavailable" in notification.last_error


def test_a_bounce_after_delivery_wins(client):
    notification = sent_notification()

    post_brevo_event(client, "delivered")
    post_brevo_event(client, "hard_bounce", reason="user unknown")

    notification.refresh_from_db()
    assert notification.status == Notification.Status.BOUNCED


def test_a_late_delivered_never_hides_a_bounce(client):
    notification = sent_notification()

    post_brevo_event(client, "hard_bounce", reason="user unknown")
    post_brevo_event(client, "delivered")

    notification.refresh_from_db()
    assert notification.status == Notification.Status.BOUNCED


@pytest.mark.parametrize("event", ["request", "deferred", "opened", "click", "spam"])
def test_other_events_leave_the_status_alone(client, event):
    notification = sent_notification()

    post_brevo_event(client, event)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_an_event_about_an_unknown_message_is_accepted_and_ignored(client):
    notification = NotificationFactory(status="sent", provider_message_id="<other@relay>")

    response = post_brevo_event(client, "delivered")

    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_a_wrong_secret_is_refused_and_changes_nothing(client):
    notification = sent_notification()

    response = post_brevo_event(client, "delivered", credentials="brevo:guess")

    assert response.status_code == 400
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_delivered_only_moves_a_sent_notification():
    queued = NotificationFactory(provider_message_id="<a@relay>")
    failed = NotificationFactory(status="failed", provider_message_id="<b@relay>")

    assert (
        services.record_delivery_event(provider_message_id="<a@relay>", event_type="delivered") == 0
    )
    assert (
        services.record_delivery_event(provider_message_id="<b@relay>", event_type="bounced") == 0
    )
    assert services.record_delivery_event(provider_message_id="", event_type="delivered") == 0

    queued.refresh_from_db()
    failed.refresh_from_db()
    assert (queued.status, failed.status) == ("queued", "failed")


class TestOnlyTheConfiguredProviderListens:
    def test_without_a_secret_an_anonymous_bounce_is_not_found_and_changes_nothing(
        self, client, settings
    ):
        settings.ANYMAIL = {"BREVO_API_KEY": "not-used"}
        notification = sent_notification()

        response = post_brevo_event(client, "hard_bounce", credentials="", reason="attacker")

        assert response.status_code == 404
        notification.refresh_from_db()
        assert notification.status == Notification.Status.SENT
        assert "attacker" not in notification.last_error

    @pytest.mark.parametrize("esp", ["mailgun", "postmark", "sendgrid", "mandrill", "nobody"])
    def test_other_providers_urls_are_not_found(self, client, esp):
        response = client.post(f"/anymail/{esp}/tracking/", data="{}", content_type="x")

        assert response.status_code == 404

    def test_with_no_provider_configured_nothing_listens(self, client, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        notification = sent_notification()

        response = post_brevo_event(client, "hard_bounce")

        assert response.status_code == 404
        notification.refresh_from_db()
        assert notification.status == Notification.Status.SENT

    def test_an_authenticated_body_that_is_not_utf8_is_a_bad_request(self, client):
        response = client.post(
            "/anymail/brevo/tracking/",
            data=b"\xff\xfe{not json",
            content_type="application/json",
            HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"brevo:s3cret").decode(),
        )

        assert response.status_code == 400

    def test_an_authenticated_body_that_is_not_json_is_a_bad_request(self, client):
        response = client.post(
            "/anymail/brevo/tracking/",
            data="{not json",
            content_type="application/json",
            HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"brevo:s3cret").decode(),
        )

        assert response.status_code == 400


class TestDeployCheck:
    def test_a_provider_without_a_webhook_secret_fails_the_deploy_check(self, settings):
        settings.ANYMAIL = {"BREVO_API_KEY": "not-used"}

        errors = checks.run_checks(include_deployment_checks=True, tags=["notifications"])

        assert [error.id for error in errors] == ["notifications.E001"]
        assert "brevo" in errors[0].msg

    def test_a_provider_with_its_secret_passes(self):
        assert checks.run_checks(include_deployment_checks=True, tags=["notifications"]) == []

    def test_smtp_needs_no_webhook_secret(self, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.ANYMAIL = {}

        assert checks.run_checks(include_deployment_checks=True, tags=["notifications"]) == []


class TestSendLeaseCheck:
    def test_a_lease_shorter_than_a_send_is_an_error(self, settings):
        settings.EMAIL_TIMEOUT = 30
        settings.NOTIFICATION_SEND_LEASE_SECONDS = 20

        errors = checks.run_checks(tags=["notifications"])

        assert [error.id for error in errors] == ["notifications.E003"]
        assert "(20)" in errors[0].msg and "(30 s)" in errors[0].msg

    def test_anymail_s_connect_and_read_time_outs_count_together(self, settings):
        settings.NOTIFICATION_SEND_LEASE_SECONDS = 60
        settings.ANYMAIL = {"REQUESTS_TIMEOUT": (10, 50)}

        assert [error.id for error in checks.run_checks(tags=["notifications"])] == [
            "notifications.E003"
        ]

    def test_the_default_lease_passes(self):
        assert checks.run_checks(tags=["notifications"]) == []
