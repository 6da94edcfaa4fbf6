"""The periodic sweeps: orders not collected in time, pickup reminders, quarantines over."""

import datetime

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from catalog.models import DocumentType, Item
from notifications.models import Notification

from .. import audit
from ..audit import AuditAction
from ..emails import lines_by_outcome, notify_patron, opening_hours
from ..models import (
    HOLDING_LINE_STATUSES,
    LineStatus,
    Reservation,
    ReservationLine,
    ReservationStatus,
)
from .transitions import (
    move_lines_and_items,
    release_entries,
)

# Rows handled per transaction by the periodic sweeps: locks stay short and a
# crash loses at most one chunk's work, which the next run picks up.
SWEEP_CHUNK_SIZE = 200


def expire_overdue(*, now: datetime.datetime | None = None) -> int:
    """End the ready orders not collected by their pickup deadline; return how many.

    Chunks of orders are locked with `skip_locked`: two workers running at once
    share the work instead of expiring one order twice, and an order being
    handed over at the desk right now is left to the desk.
    """
    now = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                Reservation.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("patron", "branch")
                .filter(status=ReservationStatus.READY, pickup_deadline__lt=now)
                .order_by("pickup_deadline", "pk")[:SWEEP_CHUNK_SIZE]
            )
            if not batch:
                return expired
            ids = [reservation.pk for reservation in batch]
            holding = list(
                ReservationLine.objects.filter(
                    reservation__in=ids, status__in=HOLDING_LINE_STATUSES
                ).select_related("item")
            )
            move_lines_and_items(holding, LineStatus.RELEASED, Item.Status.AVAILABLE, now)
            Reservation.objects.filter(pk__in=ids).update(
                status=ReservationStatus.EXPIRED, expired_at=now
            )
            by_reservation: dict[int, list[ReservationLine]] = {}
            for line in holding:
                by_reservation.setdefault(line.reservation_id, []).append(line)
            entries = []
            for reservation in batch:
                reservation.status = ReservationStatus.EXPIRED
                reservation.expired_at = now
                entries.append(
                    audit.entry(
                        at=now,
                        actor=None,
                        action=AuditAction.EXPIRED,
                        reservation=reservation,
                        from_status=ReservationStatus.READY,
                        to_status=ReservationStatus.EXPIRED,
                    )
                )
                entries.extend(
                    release_entries(
                        by_reservation.get(reservation.pk, []),
                        reservation=reservation,
                        actor=None,
                        now=now,
                    )
                )
            audit.record(*entries)
            for reservation in batch:
                notify_patron(
                    "reservation_expired", reservation, now=now, **lines_by_outcome(reservation)
                )
            expired += len(batch)


def send_pickup_reminders(*, now: datetime.datetime | None = None) -> int:
    """Remind the patrons whose ready order's reminder is due; return how many were queued.

    Idempotent: one reminder per order (its dedup key), and orders already
    reminded are not even looked at again.
    """
    now = now or timezone.now()
    reminded = Notification.objects.filter(
        dedup_key=Concat(
            Value("pickup_reminder:"), Cast(OuterRef("pk"), CharField()), output_field=CharField()
        )
    )
    queued = 0
    while True:
        with transaction.atomic():
            # Locked so that two workers do not render the same reminder; an
            # order being collected or expired right now is skipped.
            batch = list(
                Reservation.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("patron", "branch")
                .filter(
                    status=ReservationStatus.READY,
                    reminder_due_at__lte=now,
                    pickup_deadline__gt=now,
                )
                .exclude(Exists(reminded))
                .order_by("reminder_due_at", "pk")[:SWEEP_CHUNK_SIZE]
            )
            if not batch:
                return queued
            entries = []
            for reservation in batch:
                if notify_patron(
                    "pickup_reminder",
                    reservation,
                    now=now,
                    opening_hours=opening_hours(reservation.branch),
                    **lines_by_outcome(reservation),
                ):
                    queued += 1
                    entries.append(
                        audit.entry(
                            at=now, actor=None, action=AuditAction.REMINDED, reservation=reservation
                        )
                    )
            audit.record(*entries)


def release_quarantine(*, now: datetime.datetime | None = None) -> int:
    """Put back on the shelf the returned copies whose quarantine is over; return how many."""
    now = now or timezone.now()
    released = 0
    # Few document types: one cutoff each keeps the query plain on every database.
    for document_type in DocumentType.objects.order_by("pk"):
        cutoff = now - datetime.timedelta(days=document_type.quarantine_days)
        while True:
            with transaction.atomic():
                ids = list(
                    Item.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(
                        status=Item.Status.QUARANTINE,
                        record__document_type=document_type,
                        status_changed_at__lte=cutoff,
                    )
                    .order_by("pk")
                    .values_list("pk", flat=True)[:SWEEP_CHUNK_SIZE]
                )
                if not ids:
                    break
                Item.objects.filter(pk__in=ids).update(
                    status=Item.Status.AVAILABLE, status_changed_at=now
                )
                audit.record(
                    *(
                        audit.entry(
                            at=now,
                            action=AuditAction.QUARANTINE_ENDED,
                            item_id=pk,
                            from_status=Item.Status.QUARANTINE,
                            to_status=Item.Status.AVAILABLE,
                        )
                        for pk in ids
                    )
                )
                released += len(ids)
    return released
