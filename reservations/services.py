"""The lifecycle of an order: every change of state, each in one short transaction.

Each function writes its rows, the audit trail and the patron's e-mail (through
the notifications outbox) together, so that either all of it happens or none.

Locking rules, always taken in this order so that two services never wait on
each other in opposite orders (no deadlocks):

1. the patron row (``submit_reservation`` only: it serializes one patron's
   orders, which is what makes the document cap hold under parallel requests);
2. the reservation row (every service that changes an order or its lines:
   lines are only ever changed under their order's lock);
3. item rows, in ascending record then primary key order, with
   ``skip_locked=True`` when any free copy will do (a copy locked by another
   order is about to be taken: waiting for it would only serialize unrelated
   orders).

On SQLite ``select_for_update`` does nothing; the settings open every
transaction with ``BEGIN IMMEDIATE`` so that write transactions run one at a
time and the same rules hold.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy

from accounts.models import User
from branches import calendar
from branches.models import Branch, OpeningHours
from catalog.models import DocumentType, Item, Record
from core.network_time import network_date, network_timezone
from notifications.models import Notification
from notifications.services import queue_notification

from . import audit, ordering
from .audit import AuditAction
from .exceptions import (
    ClickAndCollectClosed,
    EmptyOrder,
    IllegalLineTransition,
    IllegalTransition,
    NoLongerAvailable,
    NotAllowed,
    NotFullyPrepared,
    NothingPicked,
    NotInOrder,
    NotOnLoan,
    UnknownBarcode,
    WrongBarcode,
)
from .models import (
    ACTIVE_STATUSES,
    HOLDING_LINE_STATUSES,
    AuditEntry,
    Channel,
    LineStatus,
    Loan,
    Reservation,
    ReservationLine,
    ReservationStatus,
)

# Rows handled per transaction by the periodic sweeps: locks stay short and a
# crash loses at most one chunk's work, which the next run picks up.
SWEEP_CHUNK_SIZE = 200

# The pickup reminder is sent this many open days before the pickup deadline's day...
REMINDER_OPEN_DAYS_BEFORE = 2
# ...at this local time: early, so that the patron can still come that very day.
REMINDER_TIME = datetime.time(9, 0)

# What the staff did, as read in "Order CC-XXXXX is collected: it cannot be <action>."
ACTION_PREPARE = pgettext_lazy("order action", "prepared")
ACTION_PICK = pgettext_lazy("order action", "picked")
ACTION_REPORT_MISSING = pgettext_lazy("order action", "reported missing")
ACTION_MARK_READY = pgettext_lazy("order action", "marked ready")
ACTION_COLLECT = pgettext_lazy("order action", "collected")
ACTION_CANCEL = pgettext_lazy("order action", "cancelled")
# The same for one document of an order: "“Title” is unavailable: it cannot be <action>."
LINE_ACTION_PICK = pgettext_lazy("line action", "picked")
LINE_ACTION_REPORT_MISSING = pgettext_lazy("line action", "reported missing")
LINE_ACTION_HAND_OVER = pgettext_lazy("line action", "handed over")


# Submission ------------------------------------------------------------------------------------


def submit_reservation(
    *,
    patron: User,
    branch: Branch,
    records: Iterable[Record],
    channel: str = Channel.WEB,
    created_by: User | None = None,
    submission_key: str = "",
    now: datetime.datetime | None = None,
) -> Reservation:
    """Place an order for one copy of each record at the branch; set the copies aside.

    Raise the ReservationError of the first broken rule, having written nothing.
    With a ``submission_key`` already used by this patron, return the order it placed
    (its ``placed_before`` is True) and write nothing.
    """
    now = now or timezone.now()
    records = list(records)
    ordering.check_order(patron=patron, branch=branch, records=records, channel=channel, now=now)
    # Before any lock: the calendar's two queries need not be under it.
    processing_deadline = _deadline_or_closed(branch, calendar.processing_deadline, now)
    with transaction.atomic():
        # The patron's row lock serializes their parallel submissions, so the
        # holdings checked below cannot miss an order being placed at the same moment.
        User.objects.select_for_update().filter(pk=patron.pk).first()
        if submission_key:
            placed = Reservation.objects.filter(
                patron=patron, submission_key=submission_key
            ).first()
            if placed is not None:
                placed.placed_before = True
                return placed
        ordering.check_holdings(patron, records)
        items = [
            _allocate_copy(record=record, branch=branch)
            for record in sorted(records, key=lambda record: record.pk)
        ]
        reservation = _create_reservation(
            patron=patron,
            branch=branch,
            channel=channel,
            created_by=created_by,
            submitted_at=now,
            processing_deadline=processing_deadline,
            submission_key=submission_key,
        )
        Item.objects.filter(pk__in=[item.pk for item in items]).update(
            status=Item.Status.HELD, status_changed_at=now
        )
        lines = ReservationLine.objects.bulk_create(
            ReservationLine(reservation=reservation, record=item.record, item=item)
            for item in items
        )
        actor = created_by or patron
        audit.record(
            audit.entry(
                at=now,
                actor=actor,
                action=AuditAction.SUBMITTED,
                reservation=reservation,
                to_status=ReservationStatus.SUBMITTED,
                detail=f"channel={channel}",
            ),
            *(
                audit.entry(
                    at=now,
                    actor=actor,
                    action=AuditAction.HELD,
                    reservation=reservation,
                    item=item,
                    from_status=Item.Status.AVAILABLE,
                    to_status=Item.Status.HELD,
                )
                for item in items
            ),
        )
        lines.sort(key=lambda line: (line.record.title, line.record_id))
        _notify(
            "reservation_received",
            reservation,
            now=now,
            lines=lines,
            to_collect=lines,
            unavailable=[],
        )
    reservation.placed_before = False
    return reservation


def _allocate_copy(*, record: Record, branch: Branch) -> Item:
    """Lock and return one copy of the record on the shelf at the branch, or raise."""
    item = (
        Item.objects.select_for_update(skip_locked=True)
        .filter(record=record, branch=branch, status=Item.Status.AVAILABLE)
        .order_by("pk")
        .first()
    )
    if item is None:
        raise NoLongerAvailable(title=record.title, branch=branch.name)
    item.record = record
    return item


def _create_reservation(**fields) -> Reservation:
    """Insert the order, drawing another reference in the rare event of a collision."""
    attempts = 5
    for attempt in range(attempts):
        reservation = Reservation(**fields)
        try:
            # A savepoint, so that a duplicate reference does not abort the transaction.
            with transaction.atomic():
                reservation.save(force_insert=True)
        except IntegrityError:
            if (
                attempt == attempts - 1
                or not Reservation.objects.filter(reference=reservation.reference).exists()
            ):
                raise
        else:
            return reservation
    raise AssertionError("unreachable")  # pragma: no cover


# Preparation -----------------------------------------------------------------------------------


def start_preparing(
    *, reservation: Reservation, by: User, now: datetime.datetime | None = None
) -> Reservation:
    """Claim a submitted order for preparation."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(reservation)
        _require(locked, (ReservationStatus.SUBMITTED,), ACTION_PREPARE)
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
        reservation = _lock(line.reservation_id)
        _require(
            reservation,
            (ReservationStatus.SUBMITTED, ReservationStatus.PREPARING),
            ACTION_PICK,
        )
        locked = _reread_line(line, reservation)
        if locked.status == LineStatus.PICKED and locked.item.barcode == barcode:
            return locked
        _require_line(locked, (LineStatus.ALLOCATED,), LINE_ACTION_PICK)
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
        reservation = _lock(line.reservation_id)
        _require(
            reservation,
            (ReservationStatus.SUBMITTED, ReservationStatus.PREPARING),
            ACTION_REPORT_MISSING,
        )
        locked = _reread_line(line, reservation)
        _require_line(locked, (LineStatus.ALLOCATED,), LINE_ACTION_REPORT_MISSING)
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
            _notify(
                "line_unavailable",
                reservation,
                now=now,
                line=locked,
                dedup_id=locked.pk,
                **_lines_by_outcome(reservation),
            )
        else:
            with translation.override(settings.LANGUAGE_CODE):
                reason = gettext("None of the documents could be found on the shelves.")
            _cancel(reservation, by=by, reason=reason, now=now, nothing_found=True)
    return locked


def mark_ready(
    *, reservation: Reservation, by: User, now: datetime.datetime | None = None
) -> Reservation:
    """Put a prepared order at the desk and tell the patron until when it waits.

    Every line must be picked or unavailable, and at least one picked.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(reservation)
        _require(locked, (ReservationStatus.PREPARING,), ACTION_MARK_READY)
        statuses = list(locked.lines.values_list("status", flat=True))
        to_pull = statuses.count(LineStatus.ALLOCATED)
        if to_pull:
            raise NotFullyPrepared(reference=locked.reference, count=to_pull)
        if LineStatus.PICKED not in statuses:
            raise NothingPicked(reference=locked.reference)
        branch = locked.branch
        pickup_deadline = _deadline_or_closed(branch, calendar.pickup_deadline, now)
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
        _notify(
            # Its templates are pickups' (emails/reservation_ready/): it carries the pickup links.
            "reservation_ready",
            locked,
            now=now,
            opening_hours=_opening_hours(branch),
            **_lines_by_outcome(locked),
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


# The desk --------------------------------------------------------------------------------------


def collect(
    *,
    reservation: Reservation,
    by: User,
    lines: Iterable[ReservationLine] | None = None,
    now: datetime.datetime | None = None,
) -> Reservation:
    """Hand the order over: lend the given lines (all picked ones by default).

    `lines` are lines of the order, or their ids. Picked lines the patron does
    not take go back to the shelf.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(reservation)
        _require(locked, (ReservationStatus.READY,), ACTION_COLLECT)
        order_lines = list(
            locked.lines.select_related("item", "record__document_type").order_by("pk")
        )
        picked = [line for line in order_lines if line.status == LineStatus.PICKED]
        if lines is None:
            handed = picked
        else:
            handed = _chosen_lines(
                locked, order_lines, [getattr(line, "pk", line) for line in lines]
            )
            if not handed:
                raise EmptyOrder()
        today = network_date(now)
        handed_ids = {line.pk for line in handed}
        kept_back = [line for line in picked if line.pk not in handed_ids]
        Loan.objects.bulk_create(
            Loan(
                item=line.item,
                patron_id=locked.patron_id,
                line=line,
                out_at=now,
                due_on=today + datetime.timedelta(days=line.record.document_type.loan_days),
            )
            for line in handed
        )
        _move_lines_and_items(handed, LineStatus.COLLECTED, Item.Status.ON_LOAN, now)
        _move_lines_and_items(kept_back, LineStatus.RELEASED, Item.Status.AVAILABLE, now)
        locked.status = ReservationStatus.COLLECTED
        locked.collected_at = now
        locked.save(update_fields=["status", "collected_at"])
        audit.record(
            audit.entry(
                at=now,
                actor=by,
                action=AuditAction.COLLECTED,
                reservation=locked,
                from_status=ReservationStatus.READY,
                to_status=ReservationStatus.COLLECTED,
            ),
            *(
                audit.entry(
                    at=now,
                    actor=by,
                    action=AuditAction.LENT,
                    reservation=locked,
                    item=line.item,
                    from_status=Item.Status.HELD,
                    to_status=Item.Status.ON_LOAN,
                )
                for line in handed
            ),
            *(
                audit.entry(
                    at=now,
                    actor=by,
                    action=AuditAction.RELEASED,
                    reservation=locked,
                    item=line.item,
                    from_status=Item.Status.HELD,
                    to_status=Item.Status.AVAILABLE,
                    detail="not taken at the desk",
                )
                for line in kept_back
            ),
        )
    return locked


def _chosen_lines(
    reservation: Reservation, order_lines: list[ReservationLine], chosen: Sequence[int]
) -> list[ReservationLine]:
    """Return the order's lines with these ids, refusing any not picked or not in the order."""
    by_id = {line.pk: line for line in order_lines}
    handed = []
    for pk in dict.fromkeys(chosen):
        line = by_id.get(pk)
        if line is None:
            other = ReservationLine.objects.select_related("record").filter(pk=pk).first()
            raise NotInOrder(
                title=other.record.title if other else pk, reference=reservation.reference
            )
        _require_line(line, (LineStatus.PICKED,), LINE_ACTION_HAND_OVER)
        handed.append(line)
    return handed


def cancel(
    *, reservation: Reservation, by: User, reason: str = "", now: datetime.datetime | None = None
) -> Reservation:
    """Cancel an order not yet collected, by its patron or a member of staff.

    The copies set aside go back to the shelf and the patron is told.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(reservation)
        # Staff cancel any order (views limit them to their branches); a patron only their own.
        if by.pk != locked.patron_id and not by.is_staff:
            raise NotAllowed(reference=locked.reference)
        _require(locked, ACTIVE_STATUSES, ACTION_CANCEL)
        _cancel(locked, by=by, reason=reason.strip(), now=now)
    return locked


def _cancel(
    reservation: Reservation,
    *,
    by: User | None,
    reason: str,
    now: datetime.datetime,
    nothing_found: bool = False,
) -> None:
    """Cancel a locked active order: release its copies, audit, tell the patron."""
    from_status = reservation.status
    holding = list(
        reservation.lines.filter(status__in=HOLDING_LINE_STATUSES).select_related("item")
    )
    _move_lines_and_items(holding, LineStatus.RELEASED, Item.Status.AVAILABLE, now)
    reservation.status = ReservationStatus.CANCELLED
    reservation.cancelled_at = now
    reservation.cancel_reason = reason[:255]
    reservation.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    audit.record(
        audit.entry(
            at=now,
            actor=by,
            action=AuditAction.CANCELLED,
            reservation=reservation,
            from_status=from_status,
            to_status=ReservationStatus.CANCELLED,
            detail=reason[:255],
        ),
        *_release_entries(holding, reservation=reservation, actor=by, now=now),
    )
    _notify(
        "reservation_cancelled",
        reservation,
        now=now,
        reason=reason,
        by_patron=by is not None and by.pk == reservation.patron_id,
        nothing_found=nothing_found,
        **_lines_by_outcome(reservation),
    )


# Periodic sweeps -------------------------------------------------------------------------------


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
            _move_lines_and_items(holding, LineStatus.RELEASED, Item.Status.AVAILABLE, now)
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
                    _release_entries(
                        by_reservation.get(reservation.pk, []),
                        reservation=reservation,
                        actor=None,
                        now=now,
                    )
                )
            audit.record(*entries)
            for reservation in batch:
                _notify(
                    "reservation_expired", reservation, now=now, **_lines_by_outcome(reservation)
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
                if _notify(
                    "pickup_reminder",
                    reservation,
                    now=now,
                    opening_hours=_opening_hours(reservation.branch),
                    **_lines_by_outcome(reservation),
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


# Returns ---------------------------------------------------------------------------------------


def return_item(
    *, barcode: str, by: User | None = None, now: datetime.datetime | None = None
) -> Loan:
    """End the open loan of the copy; put it in quarantine for its type's days, if any."""
    now = now or timezone.now()
    barcode = barcode.strip()
    with transaction.atomic():
        item = (
            Item.objects.select_for_update(of=("self",))
            .select_related("record__document_type")
            .filter(barcode=barcode)
            .first()
        )
        if item is None:
            raise UnknownBarcode(barcode=barcode)
        loan = (
            Loan.objects.select_for_update(of=("self",))
            .select_related("line")
            .filter(item=item, returned_at__isnull=True)
            .first()
        )
        if loan is None:
            raise NotOnLoan(barcode=barcode)
        loan.returned_at = now
        loan.save(update_fields=["returned_at"])
        quarantine = item.record.document_type.quarantine_days > 0
        to_status = Item.Status.QUARANTINE if quarantine else Item.Status.AVAILABLE
        from_status = item.status
        item.status = to_status
        item.status_changed_at = now
        item.save(update_fields=["status", "status_changed_at"])
        audit.record(
            audit.entry(
                at=now,
                actor=by,
                action=AuditAction.RETURNED,
                reservation_id=loan.line.reservation_id if loan.line else None,
                item=item,
                from_status=from_status,
                to_status=to_status,
            )
        )
    return loan


# Helpers ---------------------------------------------------------------------------------------


def _lock(reservation: Reservation | int) -> Reservation:
    """Return the order re-read under its row lock, with its branch and patron."""
    pk = reservation if isinstance(reservation, int) else reservation.pk
    return (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("branch", "patron")
        .get(pk=pk)
    )


def _reread_line(line: ReservationLine, reservation: Reservation) -> ReservationLine:
    """Return the line as stored now; its order's lock, already held, covers it."""
    fresh = ReservationLine.objects.select_related("item", "record").get(pk=line.pk)
    fresh.reservation = reservation
    return fresh


def _require(reservation: Reservation, statuses: Iterable[str], action) -> None:
    if reservation.status not in statuses:
        raise IllegalTransition(
            reference=reservation.reference,
            status=ReservationStatus(reservation.status).label,
            action=action,
        )


def _require_line(line: ReservationLine, statuses: Iterable[str], action) -> None:
    if line.status not in statuses:
        raise IllegalLineTransition(
            title=line.record.title, status=LineStatus(line.status).label, action=action
        )


def _deadline_or_closed(branch: Branch, deadline, now: datetime.datetime) -> datetime.datetime:
    """Return the branch calendar's deadline; a branch never open offers no click & collect."""
    try:
        return deadline(branch, now)
    except calendar.NoOpenDayError:
        raise ClickAndCollectClosed(branch=branch.name) from None


def _move_lines_and_items(
    lines: list[ReservationLine], line_status: str, item_status: str, now: datetime.datetime
) -> None:
    """Set the lines and their copies to these statuses, in two UPDATEs."""
    if not lines:
        return
    ReservationLine.objects.filter(pk__in=[line.pk for line in lines]).update(status=line_status)
    Item.objects.filter(pk__in=[line.item_id for line in lines]).update(
        status=item_status, status_changed_at=now
    )
    for line in lines:
        line.status = line_status
        line.item.status = item_status


def _release_entries(
    lines: list[ReservationLine],
    *,
    reservation: Reservation,
    actor: User | None,
    now: datetime.datetime,
) -> list[AuditEntry]:
    return [
        audit.entry(
            at=now,
            actor=actor,
            action=AuditAction.RELEASED,
            reservation=reservation,
            item=line.item,
            from_status=Item.Status.HELD,
            to_status=Item.Status.AVAILABLE,
        )
        for line in lines
    ]


def _opening_hours(branch: Branch) -> list[dict]:
    """Return the branch's weekly hours, one entry per open weekday, Monday first."""
    days: dict[int, list[str]] = {}
    for interval in branch.opening_hours.order_by("weekday", "opens_at"):
        days.setdefault(interval.weekday, []).append(
            f"{interval.opens_at:%H:%M}–{interval.closes_at:%H:%M}"
        )
    return [
        {"day": OpeningHours.Weekday(weekday).label, "hours": hours}
        for weekday, hours in sorted(days.items())
    ]


def _lines_by_outcome(reservation: Reservation) -> dict[str, list[ReservationLine]]:
    """Return the order's lines for its e-mail: those to collect and those not found."""
    lines = list(reservation.lines.select_related("record").order_by("record__title", "pk"))
    return {
        "lines": lines,
        "to_collect": [line for line in lines if line.status in HOLDING_LINE_STATUSES],
        "unavailable": [line for line in lines if line.status == LineStatus.UNAVAILABLE],
    }


def _notify(
    kind: str,
    reservation: Reservation,
    *,
    now: datetime.datetime,
    dedup_id: int | None = None,
    **context,
):
    """Queue the patron's e-mail of this kind about the order, once per event."""
    return queue_notification(
        now=now,
        kind=kind,
        recipient=reservation.patron,
        context={
            "reservation": reservation,
            "branch": reservation.branch,
            "time_zone": settings.TIME_ZONE,
            **context,
        },
        dedup_key=f"{kind}:{reservation.pk if dedup_id is None else dedup_id}",
        about=reservation,
    )
