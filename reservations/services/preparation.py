"""Preparing an order: claimed by a librarian, each copy pulled or reported missing, ready."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from branches import calendar
from branches.models import Branch
from catalog.models import Item
from core.network_time import network_timezone

from .. import audit
from ..audit import AuditAction
from ..emails import lines_by_outcome, notify_patron, opening_hours
from ..exceptions import (
    NotFullyPrepared,
    NothingPicked,
    WrongBarcode,
)
from ..models import (
    HOLDING_LINE_STATUSES,
    LineStatus,
    Reservation,
    ReservationLine,
    ReservationStatus,
)
from .cancellation import cancel_locked
from .transitions import (
    ACTION_MARK_READY,
    ACTION_PICK,
    ACTION_PREPARE,
    ACTION_REPORT_MISSING,
    LINE_ACTION_PICK,
    LINE_ACTION_REPORT_MISSING,
    deadline_or_closed,
    lock_order,
    require_line_status,
    require_status,
    reread_line,
)

# The pickup reminder is sent this many open days before the pickup deadline's day...
REMINDER_OPEN_DAYS_BEFORE = 2
# ...at this local time: early, so that the patron can still come that very day.
REMINDER_TIME = datetime.time(9, 0)


def start_preparing(
    *, reservation: Reservation, by: User, now: datetime.datetime | None = None
) -> Reservation:
    """Claim a submitted order for preparation."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_order(reservation)
        require_status(locked, (ReservationStatus.SUBMITTED,), ACTION_PREPARE)
        _start_preparing(locked, by=by, now=now)
    return locked


def _start_preparing(reservation: Reservation, *, by: User, now: datetime.datetime) -> None:
    reservation.status = ReservationStatus.PREPARING
    reservation.prepared_by = by
    reservation.preparing_at = now
    reservation.save(update_fields=["status", "prepared_by", "preparing_at"])
    audit.record(
        audit.entry(
            at=now,
            actor=by,
            action=AuditAction.PREPARING,
            reservation=reservation,
            from_status=ReservationStatus.SUBMITTED,
            to_status=ReservationStatus.PREPARING,
        )
    )


def confirm_pick(
    *, line: ReservationLine, barcode: str, by: User, now: datetime.datetime | None = None
) -> ReservationLine:
    """Confirm that the copy scanned is the one set aside for the line.

    Scanning a copy of a submitted order starts its preparation: the librarian
    holding the copy is preparing it, whoever claimed it first. Scanning a line
    that is already picked with its own copy again changes nothing (a double
    scan is harmless).
    """
    now = now or timezone.now()
    barcode = barcode.strip()
    with transaction.atomic():
        reservation = lock_order(line.reservation_id)
        require_status(
            reservation,
            (ReservationStatus.SUBMITTED, ReservationStatus.PREPARING),
            ACTION_PICK,
        )
        locked = reread_line(line, reservation)
        if locked.status == LineStatus.PICKED and locked.item.barcode == barcode:
            return locked
        require_line_status(locked, (LineStatus.ALLOCATED,), LINE_ACTION_PICK)
        if barcode != locked.item.barcode:
            raise WrongBarcode(
                barcode=barcode, title=locked.record.title, expected=locked.item.barcode
            )
        if reservation.status == ReservationStatus.SUBMITTED:
            _start_preparing(reservation, by=by, now=now)
        locked.status = LineStatus.PICKED
        locked.save(update_fields=["status"])
        audit.record(
            audit.entry(
                at=now,
                actor=by,
                action=AuditAction.PICKED,
                reservation=reservation,
                item=locked.item,
                from_status=LineStatus.ALLOCATED,
                to_status=LineStatus.PICKED,
            )
        )
    return locked


def report_missing(
    *, line: ReservationLine, by: User, now: datetime.datetime | None = None
) -> ReservationLine:
    """Take the line's copy off the shelf list; set aside another copy, or tell the patron.

    The copy not found becomes unavailable. Another copy of the record on the
    shelf at the branch replaces it when there is one; otherwise the line is
    unavailable (it keeps its copy, for the record of which one was missing)
    and the patron gets the "line unavailable" e-mail. When no line of the
    order is left to hand over, the order is cancelled at once, and the patron
    gets the cancellation e-mail (listing what was missing) instead: an order
    with nothing to collect must not wait for a librarian to end it.
    Like `confirm_pick`, it starts the preparation of a submitted order.
    """
    now = now or timezone.now()
    with transaction.atomic():
        reservation = lock_order(line.reservation_id)
        require_status(
            reservation,
            (ReservationStatus.SUBMITTED, ReservationStatus.PREPARING),
            ACTION_REPORT_MISSING,
        )
        locked = reread_line(line, reservation)
        require_line_status(locked, (LineStatus.ALLOCATED,), LINE_ACTION_REPORT_MISSING)
        if reservation.status == ReservationStatus.SUBMITTED:
            _start_preparing(reservation, by=by, now=now)
        missing = locked.item
        Item.objects.filter(pk=missing.pk).update(
            status=Item.Status.UNAVAILABLE, status_changed_at=now
        )
        entries = [
            audit.entry(
                at=now,
                actor=by,
                action=AuditAction.MISSING,
                reservation=reservation,
                item=missing,
                from_status=Item.Status.HELD,
                to_status=Item.Status.UNAVAILABLE,
            )
        ]
        replacement = (
            Item.objects.select_for_update(skip_locked=True)
            .filter(record=locked.record_id, branch=reservation.branch_id)
            .filter(status=Item.Status.AVAILABLE)
            .exclude(pk=missing.pk)
            .order_by("pk")
            .first()
        )
        if replacement is not None:
            Item.objects.filter(pk=replacement.pk).update(
                status=Item.Status.HELD, status_changed_at=now
            )
            locked.item = replacement
            locked.save(update_fields=["item"])
            entries.append(
                audit.entry(
                    at=now,
                    actor=by,
                    action=AuditAction.SWAPPED,
                    reservation=reservation,
                    item=replacement,
                    from_status=Item.Status.AVAILABLE,
                    to_status=Item.Status.HELD,
                    detail=f"replaces {missing.barcode}",
                )
            )
            audit.record(*entries)
            return locked
        locked.status = LineStatus.UNAVAILABLE
        locked.save(update_fields=["status"])
        entries.append(
            audit.entry(
                at=now,
                actor=by,
                action=AuditAction.LINE_UNAVAILABLE,
                reservation=reservation,
                item=missing,
                from_status=LineStatus.ALLOCATED,
                to_status=LineStatus.UNAVAILABLE,
                detail=locked.record.title[:255],
            )
        )
        audit.record(*entries)
        if reservation.lines.filter(status__in=HOLDING_LINE_STATUSES).exists():
            notify_patron(
                "line_unavailable",
                reservation,
                now=now,
                line=locked,
                dedup_id=locked.pk,
                **lines_by_outcome(reservation),
            )
        else:
            with translation.override(settings.LANGUAGE_CODE):
                reason = gettext("None of the documents could be found on the shelves.")
            cancel_locked(reservation, by=by, reason=reason, now=now, nothing_found=True)
    return locked


def mark_ready(
    *, reservation: Reservation, by: User, now: datetime.datetime | None = None
) -> Reservation:
    """Put a prepared order at the desk and tell the patron until when it waits.

    Every line must be picked or unavailable, and at least one picked.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_order(reservation)
        require_status(locked, (ReservationStatus.PREPARING,), ACTION_MARK_READY)
        statuses = list(locked.lines.values_list("status", flat=True))
        to_pull = statuses.count(LineStatus.ALLOCATED)
        if to_pull:
            raise NotFullyPrepared(reference=locked.reference, count=to_pull)
        if LineStatus.PICKED not in statuses:
            raise NothingPicked(reference=locked.reference)
        branch = locked.branch
        pickup_deadline = deadline_or_closed(branch, calendar.pickup_deadline, now)
        locked.status = ReservationStatus.READY
        locked.ready_at = now
        locked.pickup_deadline = pickup_deadline
        locked.reminder_due_at = _reminder_due_at(branch, now, pickup_deadline)
        locked.save(update_fields=["status", "ready_at", "pickup_deadline", "reminder_due_at"])
        audit.record(
            audit.entry(
                at=now,
                actor=by,
                action=AuditAction.READY,
                reservation=locked,
                from_status=ReservationStatus.PREPARING,
                to_status=ReservationStatus.READY,
            )
        )
        notify_patron(
            # Its templates are pickups' (emails/reservation_ready/): it carries the pickup links.
            "reservation_ready",
            locked,
            now=now,
            opening_hours=opening_hours(branch),
            **lines_by_outcome(locked),
        )
    return locked


def _reminder_due_at(
    branch: Branch, ready_at: datetime.datetime, pickup_deadline: datetime.datetime
) -> datetime.datetime | None:
    """Return when to remind the patron, or None when the ready e-mail is reminder enough.

    A short pickup window would put the reminder on the day the order became
    ready, or before: the patron has just been told.
    """
    network = network_timezone()
    try:
        day = calendar.open_day_before(
            branch, pickup_deadline.astimezone(network).date(), REMINDER_OPEN_DAYS_BEFORE
        )
    except calendar.NoOpenDayError:  # pragma: no cover - the deadline's own day is open
        return None
    if day <= ready_at.astimezone(network).date():
        return None
    return datetime.datetime.combine(day, REMINDER_TIME, tzinfo=network)
