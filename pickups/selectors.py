"""Reads shared by the pickup pages, the order list's panel and the e-mails."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch
from django.utils import timezone

from reservations.models import Reservation, ReservationLine

from .models import Appointment, AppointmentStatus, Arrival
from .services import offered_slots


@dataclass
class SlotChoice:
    """One time the patron may pick, as the form lists it."""

    starts_at: datetime
    ends_at: datetime
    places_left: int
    current: bool = False

    @property
    def value(self) -> str:
        return self.starts_at.isoformat()

    @property
    def full(self) -> bool:
        return self.places_left <= 0 and not self.current


@dataclass
class SlotDay:
    day: date
    choices: list[SlotChoice] = field(default_factory=list)


def order_for_link(reservation_id: int) -> Reservation | None:
    """Return the order a signed link opens, with its branch, patron and lines (two queries).

    None for an order whose patron was erased or forgotten: its links lead nowhere.
    """
    return (
        Reservation.objects.filter(pk=reservation_id, patron__isnull=False)
        .select_related("branch", "patron")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ReservationLine.objects.select_related("record").order_by(
                    "record__title", "pk"
                ),
            )
        )
        .first()
    )


def booked_appointment(reservation: Reservation) -> Appointment | None:
    """Return the order's booked appointment with its slot, or None."""
    return (
        Appointment.objects.select_related("slot")
        .filter(reservation=reservation, status=AppointmentStatus.BOOKED)
        .first()
    )


def booked_appointments(reservations: Iterable[Reservation]) -> dict[int, Appointment]:
    """Return the booked appointments of these orders by order id (one query, none if no id)."""
    ids = [reservation.pk for reservation in reservations]
    if not ids:
        return {}
    return {
        appointment.reservation_id: appointment
        for appointment in Appointment.objects.select_related("slot").filter(
            reservation_id__in=ids, status=AppointmentStatus.BOOKED
        )
    }


def arrival(reservation: Reservation) -> Arrival | None:
    """Return the patron's "I'm here" for the order, or None."""
    return Arrival.objects.filter(reservation=reservation).first()


def slot_days(
    reservation: Reservation,
    *,
    appointment: Appointment | None = None,
    now: datetime | None = None,
) -> list[SlotDay]:
    """Return the times the order may book, grouped by local day, the current one marked."""
    current = appointment.slot.starts_at if appointment is not None else None
    days: dict[date, SlotDay] = {}
    for offer in offered_slots(reservation, now=now):
        slot = offer["slot"]
        day = timezone.localtime(slot.starts_at).date()
        days.setdefault(day, SlotDay(day=day)).choices.append(
            SlotChoice(
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                places_left=offer["places_left"],
                current=slot.starts_at == current,
            )
        )
    return list(days.values())
