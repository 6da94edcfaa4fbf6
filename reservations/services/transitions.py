"""What every step of an order shares: its lock, the transitions it allows, its copies moved."""

import datetime
from collections.abc import Iterable

from django.utils.translation import pgettext_lazy

from accounts.models import User
from branches import calendar
from branches.models import Branch
from catalog.models import Item

from .. import audit
from ..audit import AuditAction
from ..exceptions import (
    ClickAndCollectClosed,
    IllegalLineTransition,
    IllegalTransition,
)
from ..models import (
    AuditEntry,
    LineStatus,
    Reservation,
    ReservationLine,
    ReservationStatus,
)

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


def lock_order(reservation: Reservation | int) -> Reservation:
    """Return the order re-read under its row lock, with its branch and patron."""
    pk = reservation if isinstance(reservation, int) else reservation.pk
    return (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("branch", "patron")
        .get(pk=pk)
    )


def reread_line(line: ReservationLine, reservation: Reservation) -> ReservationLine:
    """Return the line as stored now; its order's lock, already held, covers it."""
    fresh = ReservationLine.objects.select_related("item", "record").get(pk=line.pk)
    fresh.reservation = reservation
    return fresh


def require_status(reservation: Reservation, statuses: Iterable[str], action) -> None:
    if reservation.status not in statuses:
        raise IllegalTransition(
            reference=reservation.reference,
            status=ReservationStatus(reservation.status).label,
            action=action,
        )


def require_line_status(line: ReservationLine, statuses: Iterable[str], action) -> None:
    if line.status not in statuses:
        raise IllegalLineTransition(
            title=line.record.title, status=LineStatus(line.status).label, action=action
        )


def deadline_or_closed(branch: Branch, deadline, now: datetime.datetime) -> datetime.datetime:
    """Return the branch calendar's deadline; a branch never open offers no click & collect."""
    try:
        return deadline(branch, now)
    except calendar.NoOpenDayError:
        raise ClickAndCollectClosed(branch=branch.name) from None


def move_lines_and_items(
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


def release_entries(
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
