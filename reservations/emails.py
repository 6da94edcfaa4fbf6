"""The e-mails of an order: their context, built once for every kind, and queuing them."""

import datetime

from django.conf import settings

from branches.models import Branch, OpeningHours
from notifications.services import queue_notification

from .models import (
    HOLDING_LINE_STATUSES,
    LineStatus,
    Reservation,
    ReservationLine,
)


def opening_hours(branch: Branch) -> list[dict]:
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


def lines_by_outcome(reservation: Reservation) -> dict[str, list[ReservationLine]]:
    """Return the order's lines for its e-mail: those to collect and those not found."""
    lines = list(reservation.lines.select_related("record").order_by("record__title", "pk"))
    return {
        "lines": lines,
        "to_collect": [line for line in lines if line.status in HOLDING_LINE_STATUSES],
        "unavailable": [line for line in lines if line.status == LineStatus.UNAVAILABLE],
    }


def notify_patron(
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
