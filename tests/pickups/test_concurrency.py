"""Slot capacity under a rush: enforced by the database, tested with parallel connections."""

import pytest

from pickups.models import Appointment, PickupSlot
from pickups.services import book_appointment
from tests.pickups.conftest import NOW, TUESDAY_10, ready_order
from tests.reservations.race import run_in_parallel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgresql_only")]


def test_thirty_patrons_racing_for_a_slot_of_four_get_exactly_four_bookings(appointment_branch):
    orders = [ready_order(appointment_branch) for _ in range(30)]

    outcomes = run_in_parallel(
        [
            lambda order=order: book_appointment(
                reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW
            )
            for order in orders
        ]
    )

    assert outcomes == {"ok": 4, "SlotFull": 26}
    slot = PickupSlot.objects.get(branch=appointment_branch, starts_at=TUESDAY_10)
    assert (slot.capacity, slot.booked) == (4, 4)
    assert Appointment.objects.filter(slot=slot, status="booked").count() == 4


def test_two_tabs_of_one_patron_booking_two_slots_at_once_keep_one_appointment(
    appointment_branch,
):
    order = ready_order(appointment_branch)
    later = TUESDAY_10.replace(hour=11)

    outcomes = run_in_parallel(
        [
            lambda: book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW),
            lambda: book_appointment(reservation_id=order.pk, starts_at=later, now=NOW),
        ]
    )

    assert outcomes == {"ok": 2}
    booked = Appointment.objects.get(reservation=order, status="booked")
    # Whichever came second moved the appointment: one place taken in all.
    assert sum(PickupSlot.objects.values_list("booked", flat=True)) == 1
    assert PickupSlot.objects.get(pk=booked.slot_id).booked == 1
