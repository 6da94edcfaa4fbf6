"""The e-mails of an order: their context, built once for every kind, and queuing them."""

import datetime

from django.conf import settings

from branches.hours import hhmm, intervals_by_day
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
    by_day = intervals_by_day(branch.opening_hours.all())
    return [
        {"day": OpeningHours.Weekday(weekday).label, "hours": [hhmm(i) for i in intervals]}
        for weekday, intervals in by_day.items()
        if intervals
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
