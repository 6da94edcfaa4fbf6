"""The desk: handing an order over, each document becoming a loan."""

import datetime
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog.models import Item
from core.network_time import network_date

from .. import audit
from ..audit import AuditAction
from ..exceptions import (
    EmptyOrder,
    NotInOrder,
)
from ..models import (
    LineStatus,
    Loan,
    Reservation,
    ReservationLine,
    ReservationStatus,
)
from .transitions import (
    ACTION_COLLECT,
    LINE_ACTION_HAND_OVER,
    lock_order,
    move_lines_and_items,
    require_line_status,
    require_status,
)


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
        locked = lock_order(reservation)
        require_status(locked, (ReservationStatus.READY,), ACTION_COLLECT)
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
        move_lines_and_items(handed, LineStatus.COLLECTED, Item.Status.ON_LOAN, now)
        move_lines_and_items(kept_back, LineStatus.RELEASED, Item.Status.AVAILABLE, now)
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
        require_line_status(line, (LineStatus.PICKED,), LINE_ACTION_HAND_OVER)
        handed.append(line)
    return handed
