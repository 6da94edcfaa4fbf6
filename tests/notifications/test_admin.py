import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core import mail

from notifications.admin import NotificationInline
from notifications.models import Notification
from reservations.models import Reservation
from tests.factories import NotificationFactory, PatronFactory, ReservationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/notifications/notification/"


def test_list_shows_the_outbox(admin_client):
    NotificationFactory(address="zoe@example.org", kind="reservation_ready", status="failed")

    response = admin_client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert b"zoe@example.org" in response.content
    assert b"reservation_ready" in response.content


def test_list_filters_by_status_and_searches_addresses(admin_client):
    NotificationFactory(address="zoe@example.org", status="failed")
    NotificationFactory(address="paul@example.org", status="sent")

    failed = admin_client.get(CHANGELIST, {"status__exact": "failed"})
    found = admin_client.get(CHANGELIST, {"q": "paul@"})

    assert list(failed.context["cl"].result_list.values_list("address", flat=True)) == [
        "zoe@example.org"
    ]
    assert list(found.context["cl"].result_list.values_list("address", flat=True)) == [
        "paul@example.org"
    ]


def test_a_notification_is_read_only(admin_client):
    notification = NotificationFactory()

    response = admin_client.get(f"{CHANGELIST}{notification.pk}/change/")
    admin_client.post(f"{CHANGELIST}{notification.pk}/change/", {"subject": "changed"})

    assert response.status_code == 200
    assert "subject" not in response.context["adminform"].form.fields
    notification.refresh_from_db()
    assert notification.subject != "changed"
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    assert admin_client.get(f"{CHANGELIST}{notification.pk}/delete/").status_code == 403


def test_send_again_requeues_failed_rows_and_sends_them(
    admin_client, django_capture_on_commit_callbacks
):
    failed = NotificationFactory(status="failed", attempts=5, last_error="timeout")
    sent = NotificationFactory(status="sent", attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            CHANGELIST,
            {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )

    messages = [str(m) for m in response.context["messages"]]
    assert "1 notification queued to be sent again." in messages
    assert any(m.startswith("1 notification skipped") for m in messages)
    failed.refresh_from_db()
    assert failed.status == Notification.Status.SENT
    assert failed.attempts == 1
    assert len(mail.outbox) == 1
    sent.refresh_from_db()
    assert sent.attempts == 1


def test_send_again_uses_the_address_the_patron_has_now(django_capture_on_commit_callbacks):
    from notifications import services

    patron = PatronFactory(email="")
    notification = NotificationFactory(
        recipient=patron, address="", status="failed", last_error="no e-mail address"
    )
    orphan = NotificationFactory(recipient=PatronFactory(email=""), address="", status="failed")
    patron.email = "zoe@example.org"
    patron.save()

    with django_capture_on_commit_callbacks(execute=True):
        count = services.send_again(notifications=Notification.objects.all())

    assert count == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert mail.outbox[0].to == ["zoe@example.org"]
    orphan.refresh_from_db()
    assert orphan.status == Notification.Status.FAILED


def test_inline_lists_the_emails_about_an_object(rf, admin_user):
    reservation = ReservationFactory()
    about = {
        "about_type": ContentType.objects.get_for_model(Reservation),
        "about_id": reservation.pk,
    }
    notification = NotificationFactory(**about)
    NotificationFactory()  # about nothing
    inline = NotificationInline(Reservation, admin.site)
    request = rf.get("/")
    request.user = admin_user

    formset = inline.get_formset(request, reservation)(instance=reservation)

    assert [form.instance for form in formset.forms] == [notification]
    assert not inline.has_add_permission(request, reservation)
    assert not inline.has_change_permission(request, reservation)
    assert not inline.has_delete_permission(request, reservation)
