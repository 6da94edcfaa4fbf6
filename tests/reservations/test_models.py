import pytest
from django.db import IntegrityError

from tests.factories import (
    LoanFactory,
    NotificationFactory,
    ReservationFactory,
    ReservationLineFactory,
)

pytestmark = pytest.mark.django_db


def test_one_copy_cannot_be_held_by_two_active_lines():
    line = ReservationLineFactory()

    with pytest.raises(IntegrityError):
        ReservationLineFactory(item=line.item, record=line.record)


def test_a_released_line_frees_its_copy_for_another_order():
    line = ReservationLineFactory(status="released")

    other = ReservationLineFactory(item=line.item, record=line.record)

    assert other.item == line.item


def test_a_holding_line_needs_a_copy():
    with pytest.raises(IntegrityError):
        ReservationLineFactory(item=None, record=ReservationLineFactory().record)


def test_a_ready_order_needs_its_pickup_deadline():
    with pytest.raises(IntegrityError):
        ReservationFactory(status="ready")


def test_references_are_short_and_unique():
    first, second = ReservationFactory(), ReservationFactory()

    assert first.reference != second.reference
    assert first.reference.startswith("CC-") and len(first.reference) == 8


def test_a_copy_has_one_open_loan_at_most():
    loan = LoanFactory()

    with pytest.raises(IntegrityError):
        LoanFactory(item=loan.item)


def test_notification_dedup_key_is_unique():
    NotificationFactory(dedup_key="reservation_received:1")

    with pytest.raises(IntegrityError):
        NotificationFactory(dedup_key="reservation_received:1")
