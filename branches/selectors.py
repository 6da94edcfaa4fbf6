"""Read queries about branches that the public pages share."""

import datetime
from dataclasses import dataclass

import holidays
from django.conf import settings
from django.db.models import Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from .geo import Position, by_distance
from .models import Branch, Closure

# How far ahead the branches page announces closures.
UPCOMING_CLOSURES_DAYS = 60


def branches_with_calendar(*, today: datetime.date | None = None) -> QuerySet[Branch]:
    """Return every branch with its opening hours and its closures of the coming weeks prefetched.

    Each branch gets `upcoming_closures`: the closures that end today or later and start within
    UPCOMING_CLOSURES_DAYS days, soonest first. Three queries whatever the number of branches.
    """
    today = today or timezone.localdate()
    closures = Closure.objects.filter(
        ends_on__gte=today, starts_on__lte=today + datetime.timedelta(days=UPCOMING_CLOSURES_DAYS)
    ).order_by("starts_on")
    return Branch.objects.prefetch_related(
        "opening_hours",
        Prefetch("closures", queryset=closures, to_attr="upcoming_closures"),
    )


@dataclass(frozen=True)
class BranchDirectory:
    """The branches of the network as the branches page shows them."""

    branches: list[Branch]
    # The nearest branch taking orders when the patron's position is known.
    nearest_click_and_collect: Branch | None


def branch_directory(
    *, position: Position | None, today: datetime.date | None = None
) -> BranchDirectory:
    """Return all branches: nearest first when the position is known, else click & collect first.

    Each branch carries `distance_km` (None without a position) and `open_today` (a weekday with
    hours, no closure, not a public holiday: the rule of branches.calendar.is_open_day, computed
    here from the prefetched rows so that the page costs the same for 5 branches or 70).
    """
    today = today or timezone.localdate()
    branches = by_distance(branches_with_calendar(today=today), position)
    if position is None:
        branches.sort(key=lambda branch: (not branch.click_and_collect_enabled, branch.name))
    public_holiday = today in _public_holidays(today.year)
    for branch in branches:
        branch.open_today = (
            not public_holiday
            and any(hours.weekday == today.weekday() for hours in branch.opening_hours.all())
            and not any(c.starts_on <= today <= c.ends_on for c in branch.upcoming_closures)
        )
    nearest = None
    if position is not None:
        nearest = next((b for b in branches if b.click_and_collect_enabled), None)
    return BranchDirectory(branches=branches, nearest_click_and_collect=nearest)


@dataclass(frozen=True)
class ServiceFacts:
    """What the help page says about the branches taking orders, in one query."""

    processing_hours: list[int]
    pickup_days_min: int
    pickup_days_max: int


def service_facts() -> ServiceFacts:
    """Return the processing times and pickup windows of the click & collect branches."""
    click_and_collect = Branch.objects.click_and_collect()
    figures = click_and_collect.aggregate(
        pickup_min=Min("pickup_days"),
        pickup_max=Max("pickup_days"),
        fastest=Min("processing_hours"),
        slowest=Max("processing_hours"),
    )
    if figures["pickup_min"] is None:
        default = settings.DEFAULT_PICKUP_DAYS
        return ServiceFacts([settings.DEFAULT_PROCESSING_HOURS], default, default)
    return ServiceFacts(
        processing_hours=sorted({figures["fastest"], figures["slowest"]}),
        pickup_days_min=figures["pickup_min"],
        pickup_days_max=figures["pickup_max"],
    )


def branches_taking_remote_orders() -> QuerySet[Branch]:
    """Return the click & collect branches that also take orders by phone or e-mail."""
    return (
        Branch.objects.click_and_collect()
        .filter(Q(accepts_phone_orders=True) | Q(accepts_email_orders=True))
        .only("name", "phone", "email", "accepts_phone_orders", "accepts_email_orders")
    )


def _public_holidays(year: int):
    # The same source and settings as branches.calendar.
    return holidays.country_holidays(
        settings.PUBLIC_HOLIDAYS_COUNTRY,
        subdiv=getattr(settings, "PUBLIC_HOLIDAYS_SUBDIVISION", None) or None,
        years=year,
    )
