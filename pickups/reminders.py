"""The appointment reminder: one e-mail on the morning of the appointment.

Kept apart from ``services`` (booking and arrivals); it only reads
appointments and queues the patron's e-mail through the outbox.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.network_time import network_timezone
from notifications.services import queue_notification
from reservations.models import HOLDING_LINE_STATUSES, ReservationStatus

from .models import Appointment, AppointmentStatus

# Reminders go out from this time of the appointment's day (the network's time).
REMINDER_FROM = time(7, 0)
BATCH_SIZE = 200


def send_appointment_reminders(*, now: datetime | None = None) -> int:
    """Queue the reminders of today's appointments not yet reminded; return how many.

    From 7:00, for appointments that start later today. An appointment booked
    this morning gets none: the patron has just chosen it. Safe to run twice
    or on two workers: rows are locked with ``skip_locked``, ``reminded_at``
    is set with the e-mail, and the dedup key forbids a second e-mail.
    """
    now = now or timezone.now()
    network = network_timezone()
    local = now.astimezone(network)
    morning = datetime.combine(local.date(), REMINDER_FROM, tzinfo=network)
    if now < morning:
        return 0
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=network)
    queued = 0
    while True:
        with transaction.atomic():
            batch = list(
                Appointment.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("slot", "reservation__patron", "reservation__branch")
                .filter(
                    status=AppointmentStatus.BOOKED,
                    reminded_at__isnull=True,
                    booked_at__lt=morning,
                    slot__starts_at__gt=now,
                    slot__starts_at__lt=tomorrow,
                    reservation__status=ReservationStatus.READY,
                )
                .order_by("slot__starts_at", "pk")[:BATCH_SIZE]
            )
            if not batch:
                return queued
            for appointment in batch:
                if _queue_reminder(appointment, now=now):
                    queued += 1
                appointment.reminded_at = now
                appointment.save(update_fields=["reminded_at"])


def _queue_reminder(appointment: Appointment, *, now: datetime):
    reservation = appointment.reservation
    to_collect = list(
        reservation.lines.filter(status__in=HOLDING_LINE_STATUSES)
        .select_related("record")
        .order_by("record__title", "pk")
    )
    return queue_notification(
        kind="appointment_reminder",
        recipient=reservation.patron,
        context={
            "reservation": reservation,
            "branch": reservation.branch,
            "appointment": appointment,
            "slot": appointment.slot,
            "to_collect": to_collect,
            "time_zone": settings.TIME_ZONE,
        },
        dedup_key=f"appointment_reminder:{appointment.pk}",
        about=reservation,
        now=now,
    )
