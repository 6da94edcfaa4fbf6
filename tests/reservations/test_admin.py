import datetime

import pytest
from django.utils import timezone

from reservations.models import AuditEntry
from reservations.services import submit_reservation
from tests.factories import (
    ItemFactory,
    LoanFactory,
    PatronFactory,
    ReservationFactory,
    ReservationLineFactory,
)

pytestmark = pytest.mark.django_db


def test_reservations_are_found_by_reference_and_card_number(admin_client):
    wanted = ReservationFactory()
    ReservationFactory()

    by_reference = admin_client.get("/admin/reservations/reservation/", {"q": wanted.reference})
    by_card = admin_client.get("/admin/reservations/reservation/", {"q": wanted.patron.card_number})

    assert list(by_reference.context["cl"].result_list) == [wanted]
    assert list(by_card.context["cl"].result_list) == [wanted]


def test_overdue_filter_lists_orders_past_their_processing_deadline(admin_client):
    now = timezone.now()
    late = ReservationFactory(
        submitted_at=now - datetime.timedelta(days=3),
        processing_deadline=now - datetime.timedelta(hours=1),
    )
    ReservationFactory(processing_deadline=now + datetime.timedelta(hours=5))
    ReservationFactory(
        status="cancelled",
        processing_deadline=now - datetime.timedelta(hours=1),
    )

    response = admin_client.get("/admin/reservations/reservation/", {"overdue": "processing"})

    assert list(response.context["cl"].result_list) == [late]


def test_reservation_page_shows_lines_and_audit_trail_read_only(admin_client):
    line = ReservationLineFactory()
    AuditEntry.objects.create(reservation=line.reservation, action="submit", to_status="submitted")

    response = admin_client.get(f"/admin/reservations/reservation/{line.reservation.pk}/change/")

    content = response.content.decode()
    assert response.status_code == 200
    assert line.item.barcode in content
    assert "submit" in content
    assert 'name="status"' not in content  # nothing to edit by hand


def test_reservation_page_shows_the_emails_sent_about_it(admin_client):
    item = ItemFactory()
    reservation = submit_reservation(
        patron=PatronFactory(), branch=item.branch, records=[item.record]
    )

    response = admin_client.get(f"/admin/reservations/reservation/{reservation.pk}/change/")

    assert "reservation_received" in response.content.decode()


def test_orders_cannot_be_added_or_deleted_by_hand(admin_client):
    reservation = ReservationFactory()

    assert admin_client.get("/admin/reservations/reservation/add/").status_code == 403
    assert (
        admin_client.get(f"/admin/reservations/reservation/{reservation.pk}/delete/").status_code
        == 403
    )


def test_loans_are_found_by_barcode(admin_client):
    wanted = LoanFactory()
    LoanFactory()

    response = admin_client.get("/admin/reservations/loan/", {"q": wanted.item.barcode})

    assert list(response.context["cl"].result_list) == [wanted]
