"""Book, change and cancel pickup appointments; say "I'm here".

Locking: a booking locks the order's row first (two tabs of one patron take
turns), then takes a seat in the slot with one conditional UPDATE (``booked
< capacity``): PostgreSQL runs concurrent UPDATEs of one row one after the
other and re-checks the condition on the row as the previous one left it,
so a slot of capacity 4 gets 4 bookings however many patrons race for it.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import formats, timezone

from branches.slots import Slot, pickup_slots
from core.batches import update_in_batches
from core.network_time import network_date, start_of_network_day
from reservations import audit
from reservations.audit import AuditAction
from reservations.models import Reservation, ReservationStatus

from .exceptions import (
    AppointmentsNotOffered,
    AppointmentStarted,
    NoAppointment,
    OrderNotReady,
    SlotBeyondDeadline,
    SlotFull,
    SlotNotOffered,
    SlotPast,
)
from .models import Appointment, AppointmentStatus, Arrival, PickupSlot

ARRIVAL_NOTE_MAX = 200


def offered_slots(reservation: Reservation, *, now: datetime | None = None) -> list[dict]:
    """The slots a ready order may book, each with its places left (two queries)."""
    now = now or timezone.now()
    branch = reservation.branch
    if not branch.appointments_enabled or reservation.pickup_deadline is None:
        return []
    slots = pickup_slots(branch, after=now, until=reservation.pickup_deadline)
    if not slots:
        return []
    booked = dict(
        PickupSlot.objects.filter(
            branch=branch, starts_at__gte=slots[0].starts_at, starts_at__lte=slots[-1].starts_at
        ).values_list("starts_at", "booked")
    )
    return [
        {
            "slot": slot,
            "places_left": max(branch.patrons_per_slot - booked.get(slot.starts_at, 0), 0),
        }
        for slot in slots
    ]


def book_appointment(
    *, reservation_id: int, starts_at: datetime, now: datetime | None = None
) -> Appointment:
    """Book the slot starting at ``starts_at`` for a ready order, or move its appointment there.

    Raise a ``PickupError`` (and change nothing) when the branch takes no
    appointments, the order is not ready, the slot is past, beyond the
    pickup deadline, not one the branch offers, or full.
    """
    now = now or timezone.now()
    with transaction.atomic():
        reservation = (
            Reservation.objects.select_for_update(of=("self",))
            .select_related("branch")
            .get(pk=reservation_id)
        )
        slot = _offered_slot(reservation, starts_at, now=now)
        current = _booked_appointment(reservation)
        if current is not None and current.slot.starts_at == slot.starts_at:
            return current  # the same choice twice (two tabs, a double click)
        if current is not None and current.slot.starts_at <= now:
            raise AppointmentStarted
        pickup_slot = _take_seat(reservation, slot)
        if current is not None:
            _free(current, status=AppointmentStatus.CANCELLED, now=now)
        appointment = Appointment.objects.create(
            reservation=reservation, slot=pickup_slot, booked_at=now
        )
        audit.record(
            audit.entry(
                at=now,
                actor=reservation.patron,
                action=AuditAction.APPOINTMENT_BOOKED,
                reservation=reservation,
                to_status=AppointmentStatus.BOOKED,
            )
        )
    return appointment


def cancel_appointment(*, reservation_id: int, now: datetime | None = None) -> Appointment:
    """Cancel the order's appointment before it starts; its place goes back to the slot."""
    now = now or timezone.now()
    with transaction.atomic():
        reservation = Reservation.objects.select_for_update().get(pk=reservation_id)
        current = _booked_appointment(reservation)
        if current is None:
            raise NoAppointment(reference=reservation.reference)
        if current.slot.starts_at <= now:
            raise AppointmentStarted
        _free(current, status=AppointmentStatus.CANCELLED, now=now)
        audit.record(
            audit.entry(
                at=now,
                actor=reservation.patron,
                action=AuditAction.APPOINTMENT_CANCELLED,
                reservation=reservation,
                from_status=AppointmentStatus.BOOKED,
                to_status=AppointmentStatus.CANCELLED,
            )
        )
    return current


def announce_arrival(
    *, reservation_id: int, note: str = "", now: datetime | None = None
) -> Arrival:
    """Tell the branch the patron is here for a ready order; a second time updates the note."""
    now = now or timezone.now()
    note = " ".join(note.split())[:ARRIVAL_NOTE_MAX]
    with transaction.atomic():
        reservation = Reservation.objects.select_for_update().get(pk=reservation_id)
        if reservation.status != ReservationStatus.READY:
            raise OrderNotReady(reference=reservation.reference)
        arrival, created = Arrival.objects.update_or_create(
            reservation=reservation,
            defaults={"note": note},
            create_defaults={"note": note, "arrived_at": now},
        )
        if created:
            audit.record(
                audit.entry(
                    at=now,
                    actor=reservation.patron,
                    action=AuditAction.PATRON_ARRIVED,
                    reservation=reservation,
                )
            )
    return arrival


def release_missed_appointments(*, now: datetime | None = None) -> int:
    """Close the appointments that are over; return how many the patron missed.

    Over means the slot has ended, or the order is no longer waiting (handed
    over early, cancelled, expired), whose place goes back to the slot at once.
    An order handed over keeps its appointment as *kept*; a cancelled order's
    is cancelled; a slot that ended without the patron is *missed*: its place
    is freed and the order stays ready until its pickup deadline, to book again.
    """
    now = now or timezone.now()
    missed = 0
    with transaction.atomic():
        for appointment in (
            Appointment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=AppointmentStatus.BOOKED)
            .filter(Q(slot__ends_at__lte=now) | ~Q(reservation__status=ReservationStatus.READY))
            .select_related("slot", "reservation")
        ):
            order_status = appointment.reservation.status
            ended = appointment.slot.ends_at <= now
            if order_status == ReservationStatus.COLLECTED:
                if ended:
                    _close(appointment, status=AppointmentStatus.KEPT, now=now)
                else:
                    _free(appointment, status=AppointmentStatus.KEPT, now=now)
            elif order_status == ReservationStatus.CANCELLED or not ended:
                _free(appointment, status=AppointmentStatus.CANCELLED, now=now)
            else:
                _free(appointment, status=AppointmentStatus.MISSED, now=now)
                missed += 1
    return missed


def _offered_slot(reservation: Reservation, starts_at: datetime, *, now: datetime) -> Slot:
    branch = reservation.branch
    if not branch.appointments_enabled:
        raise AppointmentsNotOffered(branch=branch.name)
    if reservation.status != ReservationStatus.READY or reservation.pickup_deadline is None:
        raise OrderNotReady(reference=reservation.reference)
    if starts_at <= now:
        raise SlotPast
    deadline = reservation.pickup_deadline
    for slot in pickup_slots(branch, after=now, until=deadline):
        if slot.starts_at == starts_at:
            return slot
    if starts_at >= deadline:
        raise SlotBeyondDeadline(
            deadline=formats.date_format(timezone.localtime(deadline), "DATETIME_FORMAT")
        )
    raise SlotNotOffered(branch=branch.name)


def _booked_appointment(reservation: Reservation) -> Appointment | None:
    return (
        Appointment.objects.select_related("slot")
        .filter(reservation=reservation, status=AppointmentStatus.BOOKED)
        .first()
    )


def _take_seat(reservation: Reservation, slot: Slot) -> PickupSlot:
    """Take one place in the slot (made on its first booking), or raise SlotFull."""
    branch = reservation.branch
    capacity = branch.patrons_per_slot
    # Concurrent first bookings of a slot: one inserts, the others wait for it and do nothing.
    PickupSlot.objects.bulk_create(
        [
            PickupSlot(
                branch=branch, starts_at=slot.starts_at, ends_at=slot.ends_at, capacity=capacity
            )
        ],
        ignore_conflicts=True,
    )
    # The capacity follows the branch's setting, never below the places already taken.
    taken = PickupSlot.objects.filter(
        branch=branch, starts_at=slot.starts_at, booked__lt=capacity
    ).update(booked=F("booked") + 1, capacity=capacity)
    if not taken:
        raise SlotFull
    return PickupSlot.objects.get(branch=branch, starts_at=slot.starts_at)


def _free(appointment: Appointment, *, status: str, now: datetime) -> None:
    PickupSlot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    _close(appointment, status=status, now=now)


def _close(appointment: Appointment, *, status: str, now: datetime) -> None:
    appointment.status = status
    appointment.ended_at = now
    appointment.save(update_fields=["status", "ended_at"])


def forget_arrival_notes(*, now: datetime | None = None) -> int:
    """Erase the "I'm here" notes of days gone by (a car, a description); return how many."""
    now = now or timezone.now()
    today_began = start_of_network_day(network_date(now))
    rows = Arrival.objects.filter(arrived_at__lt=today_began).exclude(note="")
    return update_in_batches(rows, note="")
