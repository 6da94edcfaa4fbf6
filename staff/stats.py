"""The dashboard's figures: a few aggregate queries over the orders of some branches.

Every function takes the ids of the branches to count (already limited to the
member of staff's own), or None for the whole network (a network admin's view:
no branch filter to evaluate on every row), and answers with a constant number
of queries, however many orders there are. Days are the network's local days (settings.TIME_ZONE),
not UTC ones: an order placed at 00:30 in Paris counts for that Paris day.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.network_time import network_date, network_timezone, start_of_network_day
from reservations.models import OPEN_STATUSES, Reservation, ReservationStatus

SERIES_DAYS = 30
OLDEST_OVERDUE = 10

# For a final status, the moment the order reached it: "today" counts only those.
FINAL_STATUS_MOMENTS = {
    ReservationStatus.COLLECTED: "collected_at",
    ReservationStatus.CANCELLED: "cancelled_at",
    ReservationStatus.EXPIRED: "expired_at",
}


def orders_of(branch_ids: Iterable[int] | None):
    """Return the orders of the branches, or of the whole network when `branch_ids` is None."""
    if branch_ids is None:
        return Reservation.objects.all()
    return Reservation.objects.filter(branch_id__in=list(branch_ids))


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


def status_counts_today(
    branch_ids: Sequence[int] | None, *, now: datetime.datetime | None = None
) -> list[StatusCount]:
    """Count the orders per status: all those still open, and those closed today.

    Submitted, preparing and ready orders are today's work whenever they came
    in; collected, cancelled and expired ones count when they ended today. One
    query, grouped by status; every status is listed, with 0 when none.
    """
    now = now or timezone.now()
    midnight = start_of_network_day(network_date(now))
    today = Q(status__in=(*OPEN_STATUSES, ReservationStatus.READY))
    for status, moment in FINAL_STATUS_MOMENTS.items():
        today |= Q(status=status, **{f"{moment}__gte": midnight})
    counts = dict(
        orders_of(branch_ids)
        .filter(today)
        .order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
    )
    return [
        StatusCount(status=status, label=label, count=counts.get(status, 0))
        for status, label in ReservationStatus.choices
    ]


@dataclass(frozen=True)
class Overdue:
    count: int
    oldest: list[Reservation]


def overdue_orders(
    branch_ids: Sequence[int] | None,
    *,
    now: datetime.datetime | None = None,
    limit: int = OLDEST_OVERDUE,
) -> Overdue:
    """Return how many open orders are past their processing deadline, and the oldest of them."""
    late = orders_of(branch_ids).filter(
        status__in=OPEN_STATUSES, processing_deadline__lt=now or timezone.now()
    )
    oldest = list(
        late.select_related("branch", "prepared_by").order_by("processing_deadline", "pk")[:limit]
    )
    count = len(oldest) if len(oldest) < limit else late.count()
    return Overdue(count=count, oldest=oldest)


@dataclass(frozen=True)
class Day:
    """One day of orders: received, become ready since, and ready within the deadline."""

    day: datetime.date
    received: int = 0
    ready: int = 0
    on_time: int = 0
    branch_id: int | None = None

    @property
    def share_on_time(self) -> float | None:
        """Return the share of the ready orders prepared in time (0 to 1), None when none."""
        return self.on_time / self.ready if self.ready else None

    @property
    def percent_on_time(self) -> float | None:
        share = self.share_on_time
        return None if share is None else round(share * 100, 1)


def series_days(
    days: int = SERIES_DAYS, *, now: datetime.datetime | None = None
) -> list[datetime.date]:
    """Return the last `days` local dates of the network, today last."""
    today = network_date(now)
    return [today - datetime.timedelta(days=back) for back in range(days - 1, -1, -1)]


def _daily_rows(branch_ids, first_day: datetime.date, *, by_branch: bool):
    """Count the orders received per local day (and branch): one query."""
    keys = ("day", "branch_id") if by_branch else ("day",)
    became_ready = Q(ready_at__isnull=False)
    return (
        orders_of(branch_ids)
        .filter(submitted_at__gte=start_of_network_day(first_day))
        .annotate(day=TruncDate("submitted_at", tzinfo=network_timezone()))
        .order_by()
        .values(*keys)
        .annotate(
            received=Count("pk"),
            ready=Count("pk", filter=became_ready),
            on_time=Count("pk", filter=became_ready & Q(ready_at__lte=F("processing_deadline"))),
        )
    )


def daily_series(
    branch_ids: Sequence[int] | None,
    *,
    days: int = SERIES_DAYS,
    now: datetime.datetime | None = None,
) -> list[Day]:
    """Return the last `days` days of the branches together, oldest first, empty days as zeros.

    An order counts on the day it was received; it is "on time" when it became
    ready by its processing deadline, and the share is taken over the orders of
    that day that have become ready.
    """
    calendar = series_days(days, now=now)
    found = {row["day"]: row for row in _daily_rows(branch_ids, calendar[0], by_branch=False)}
    return [
        Day(day=day, **{k: v for k, v in found.get(day, {}).items() if k != "day"})
        for day in calendar
    ]


def daily_series_by_branch(
    branch_ids: Sequence[int],
    *,
    whole_network: bool = False,
    days: int = SERIES_DAYS,
    now: datetime.datetime | None = None,
) -> dict[int, list[Day]]:
    """Return the same series for each branch apart: one query for all of them.

    `whole_network` says that `branch_ids` are all the branches: no filter then.
    """
    calendar = series_days(days, now=now)
    rows = _daily_rows(None if whole_network else branch_ids, calendar[0], by_branch=True)
    found = {(row["branch_id"], row["day"]): row for row in rows}
    return {
        branch_id: [
            Day(
                day=day,
                branch_id=branch_id,
                **{
                    k: v
                    for k, v in found.get((branch_id, day), {}).items()
                    if k not in ("day", "branch_id")
                },
            )
            for day in calendar
        ]
        for branch_id in branch_ids
    }
