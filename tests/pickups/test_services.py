"""Booking, moving and cancelling appointments, saying "I'm here": every refusal changes nothing."""

import datetime

import pytest
from django.utils import translation

from pickups.exceptions import (
    AppointmentsNotOffered,
    AppointmentStarted,
    NoAppointment,
    OrderNotReady,
    SlotBeyondDeadline,
    SlotFull,
    SlotNotOffered,
    SlotPast,
)
from pickups.models import Appointment, Arrival, PickupSlot
from pickups.services import (
    announce_arrival,
    book_appointment,
    cancel_appointment,
    forget_arrival_notes,
    offered_slots,
)
from reservations.models import AuditEntry
from tests.factories import BranchFactory, ClosureFactory
from tests.pickups.conftest import NOW, PARIS, TUESDAY_10, ready_order

pytestmark = pytest.mark.django_db

TUESDAY_11 = TUESDAY_10.replace(hour=11)


def state():
    """Everything a refused call must leave as it was."""
    return (
        sorted(PickupSlot.objects.values_list("starts_at", "booked")),
        sorted(Appointment.objects.values_list("slot__starts_at", "status")),
        AuditEntry.objects.count(),
    )


def french(error) -> str:
    with translation.override("fr"):
        return str(error)


@pytest.fixture
def order(appointment_branch):
    return ready_order(appointment_branch)


class TestBooking:
    def test_booking_takes_a_place_and_writes_the_audit(self, order):
        appointment = book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)

        assert appointment.status == "booked"
        assert appointment.slot.starts_at == TUESDAY_10
        assert appointment.slot.ends_at == TUESDAY_10 + datetime.timedelta(minutes=15)
        assert PickupSlot.objects.get().booked == 1
        assert AuditEntry.objects.filter(action="appointment_booked", reservation=order).exists()

    def test_booking_the_same_time_twice_keeps_one_place(self, order):
        first = book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)
        second = book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)

        assert first.pk == second.pk
        assert PickupSlot.objects.get().booked == 1

    def test_moving_frees_the_first_place(self, order):
        book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)
        book_appointment(reservation_id=order.pk, starts_at=TUESDAY_11, now=NOW)

        assert dict(PickupSlot.objects.values_list("starts_at", "booked")) == {
            TUESDAY_10: 0,
            TUESDAY_11: 1,
        }
        assert sorted(Appointment.objects.values_list("status", flat=True)) == [
            "booked",
            "cancelled",
        ]

    def test_the_places_left_count_the_bookings(self, order, appointment_branch):
        book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)
        places = {
            offer["slot"].starts_at: offer["places_left"] for offer in offered_slots(order, now=NOW)
        }

        assert places[TUESDAY_10] == 3
        assert places[TUESDAY_11] == 4


class TestRefusals:
    def test_a_full_slot(self, appointment_branch, order):
        for _ in range(4):
            other = ready_order(appointment_branch)
            book_appointment(reservation_id=other.pk, starts_at=TUESDAY_10, now=NOW)
        before = state()

        with pytest.raises(SlotFull) as refused:
            book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)

        assert french(refused.value) == (
            "Cette heure vient d’être prise par d’autres lecteurs\N{NO-BREAK SPACE}: "
            "choisissez-en une autre."
        )
        assert state() == before

    def test_a_full_slot_when_moving_keeps_the_old_appointment(self, appointment_branch, order):
        book_appointment(reservation_id=order.pk, starts_at=TUESDAY_11, now=NOW)
        for _ in range(4):
            other = ready_order(appointment_branch)
            book_appointment(reservation_id=other.pk, starts_at=TUESDAY_10, now=NOW)
        before = state()

        with pytest.raises(SlotFull):
            book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)

        assert state() == before
        assert Appointment.objects.get(reservation=order).slot.starts_at == TUESDAY_11

    def test_a_past_slot(self, order):
        with pytest.raises(SlotPast) as refused:
            book_appointment(
                reservation_id=order.pk, starts_at=NOW - datetime.timedelta(hours=1), now=NOW
            )

        assert "Cette heure est passée" in french(refused.value)
        assert state() == ([], [], 0)

    def test_a_slot_on_a_closed_day(self, order, appointment_branch):
        ClosureFactory(
            branch=appointment_branch, starts_on=TUESDAY_10.date(), ends_on=TUESDAY_10.date()
        )

        with pytest.raises(SlotNotOffered) as refused:
            book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)

        assert appointment_branch.name in french(refused.value)
        assert state() == ([], [], 0)

    def test_a_time_that_is_not_a_slot_start(self, order):
        with pytest.raises(SlotNotOffered):
            book_appointment(
                reservation_id=order.pk,
                starts_at=TUESDAY_10 + datetime.timedelta(minutes=5),
                now=NOW,
            )

        assert state() == ([], [], 0)

    def test_a_slot_beyond_the_pickup_deadline(self, order):
        later = datetime.datetime(2026, 12, 11, 10, 0, tzinfo=PARIS)

        with pytest.raises(SlotBeyondDeadline) as refused:
            book_appointment(reservation_id=order.pk, starts_at=later, now=NOW)

        assert "10 décembre 2026" in french(refused.value)
        assert state() == ([], [], 0)

    def test_a_branch_without_appointments(self):
        order = ready_order(BranchFactory(appointments_enabled=False, name="Médiathèque Sud"))

        with pytest.raises(AppointmentsNotOffered) as refused:
            book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)

        assert french(refused.value).startswith("Médiathèque Sud ne prend pas de rendez-vous")
        assert offered_slots(order, now=NOW) == []
        assert state() == ([], [], 0)

    @pytest.mark.parametrize("status", ["submitted", "preparing", "collected", "cancelled"])
    def test_an_order_not_ready(self, appointment_branch, status):
        order = ready_order(appointment_branch)
        order.status = status
        order.save(update_fields=["status"])

        with pytest.raises(OrderNotReady) as refused:
            book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)

        assert order.reference in french(refused.value)
        assert state() == ([], [], 0)

    def test_moving_an_appointment_that_has_started(self, order):
        book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)
        before = state()
        during = TUESDAY_10 + datetime.timedelta(minutes=5)

        with pytest.raises(AppointmentStarted) as refused:
            book_appointment(reservation_id=order.pk, starts_at=TUESDAY_11, now=during)

        assert "Votre rendez-vous a commencé" in french(refused.value)
        assert state() == before


class TestCancelling:
    def test_cancelling_frees_the_place(self, order):
        book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)

        cancelled = cancel_appointment(reservation_id=order.pk, now=NOW)

        assert cancelled.status == "cancelled" and cancelled.ended_at == NOW
        assert PickupSlot.objects.get().booked == 0
        assert AuditEntry.objects.filter(action="appointment_cancelled").count() == 1

    def test_the_freed_place_can_be_booked_by_someone_else(self, appointment_branch, order):
        book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)
        for _ in range(3):
            book_appointment(
                reservation_id=ready_order(appointment_branch).pk, starts_at=TUESDAY_10, now=NOW
            )
        cancel_appointment(reservation_id=order.pk, now=NOW)

        late = ready_order(appointment_branch)
        book_appointment(reservation_id=late.pk, starts_at=TUESDAY_10, now=NOW)

        assert PickupSlot.objects.get().booked == 4

    def test_nothing_to_cancel(self, order):
        with pytest.raises(NoAppointment) as refused:
            cancel_appointment(reservation_id=order.pk, now=NOW)

        assert french(refused.value) == (
            f"Votre commande {order.reference} n’a pas de rendez-vous à annuler."
        )
        assert state() == ([], [], 0)

    def test_an_appointment_that_has_started(self, order):
        book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)
        before = state()

        with pytest.raises(AppointmentStarted):
            cancel_appointment(reservation_id=order.pk, now=TUESDAY_10)

        assert state() == before


class TestArrival:
    def test_the_note_is_kept_tidy_and_short(self, order):
        arrival = announce_arrival(
            reservation_id=order.pk, note="  voiture\n bleue  " + "x" * 300, now=NOW
        )

        assert arrival.note.startswith("voiture bleue x")
        assert len(arrival.note) == 200
        assert arrival.arrived_at == NOW

    def test_saying_it_twice_keeps_the_first_time(self, order):
        announce_arrival(reservation_id=order.pk, note="", now=NOW)
        later = NOW + datetime.timedelta(minutes=10)

        arrival = announce_arrival(reservation_id=order.pk, note="porte de côté", now=later)

        assert arrival.arrived_at == NOW and arrival.note == "porte de côté"
        assert AuditEntry.objects.filter(action="patron_arrived").count() == 1

    def test_an_order_not_ready(self, order):
        order.status = "preparing"
        order.save(update_fields=["status"])

        with pytest.raises(OrderNotReady):
            announce_arrival(reservation_id=order.pk, note="là", now=NOW)

        assert not Arrival.objects.exists()


class TestForgetArrivalNotes:
    def test_a_note_is_erased_once_its_day_is_over_the_arrival_kept(self, appointment_branch):
        yesterday = ready_order(appointment_branch)
        today = ready_order(appointment_branch)
        announce_arrival(reservation_id=yesterday.pk, note="voiture rouge AB-123-CD", now=NOW)
        announce_arrival(
            reservation_id=today.pk, note="au guichet", now=NOW + datetime.timedelta(days=1)
        )
        next_morning = NOW.replace(hour=8) + datetime.timedelta(days=1, hours=1)

        assert forget_arrival_notes(now=next_morning) == 1

        old = Arrival.objects.get(reservation=yesterday)
        assert (old.note, old.arrived_at) == ("", NOW)
        assert Arrival.objects.get(reservation=today).note == "au guichet"
        assert forget_arrival_notes(now=next_morning) == 0
