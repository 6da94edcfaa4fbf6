"""Placing an order: the rules checked, one copy per document set aside, the patron told."""

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from branches import calendar
from branches.models import Branch
from catalog.models import Item, Record

from .. import audit, ordering
from ..audit import AuditAction
from ..emails import notify_patron
from ..exceptions import (
    NoLongerAvailable,
)
from ..models import (
    Channel,
    Reservation,
    ReservationLine,
    ReservationStatus,
)
from .transitions import (
    deadline_or_closed,
)


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
    processing_deadline = deadline_or_closed(branch, calendar.processing_deadline, now)
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
        notify_patron(
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
