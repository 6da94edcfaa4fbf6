"""Cancelling an order, by its patron or the staff: its copies go back to the shelf."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog.models import Item

from .. import audit
from ..audit import AuditAction
from ..emails import lines_by_outcome, notify_patron
from ..exceptions import (
    NotAllowed,
)
from ..models import (
    ACTIVE_STATUSES,
    HOLDING_LINE_STATUSES,
    LineStatus,
    Reservation,
    ReservationStatus,
)
from .transitions import (
    ACTION_CANCEL,
    lock_order,
    move_lines_and_items,
    release_entries,
    require_status,
)


def cancel(
    *, reservation: Reservation, by: User, reason: str = "", now: datetime.datetime | None = None
) -> Reservation:
    """Cancel an order not yet collected, by its patron or a member of staff.

    The copies set aside go back to the shelf and the patron is told.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_order(reservation)
        # Staff cancel any order (views limit them to their branches); a patron only their own.
        if by.pk != locked.patron_id and not by.is_staff:
            raise NotAllowed(reference=locked.reference)
        require_status(locked, ACTIVE_STATUSES, ACTION_CANCEL)
        cancel_locked(locked, by=by, reason=reason.strip(), now=now)
    return locked


def cancel_locked(
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
    move_lines_and_items(holding, LineStatus.RELEASED, Item.Status.AVAILABLE, now)
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
        *release_entries(holding, reservation=reservation, actor=by, now=now),
    )
    notify_patron(
        "reservation_cancelled",
        reservation,
        now=now,
        reason=reason,
        by_patron=by is not None and by.pk == reservation.patron_id,
        nothing_found=nothing_found,
        **lines_by_outcome(reservation),
    )
