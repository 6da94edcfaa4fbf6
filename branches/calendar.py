"""The calendar of a branch: its open days and the deadlines counted on them.

Semantics (all dates and times are local to the network, ``settings.TIME_ZONE``):

- A day is *open* when the branch has at least one opening interval on that weekday, the day is in
  none of the branch's closures (``starts_on``..``ends_on`` inclusive) and it is not a public
  holiday (python-holidays for ``PUBLIC_HOLIDAYS_COUNTRY`` and ``PUBLIC_HOLIDAYS_SUBDIVISION``).
- ``processing_deadline`` counts hours of *wall-clock* local time, whole calendar days
  (00:00-24:00) at a time, skipping the days that are not open: 24 h is the same local time on the
  next open day, 48 h two open days later. A start on a closed day counts from 00:00 of the next
  open day. A deadline that ends an open day exactly is reported as 00:00 of the following day.
  Wall-clock rather than elapsed time on purpose: across a DST change, a Saturday 15:00 order is
  due on Sunday at 15:00, which is what librarians and patrons read on the clock.
- ``pickup_deadline`` is the closing time (latest ``closes_at``) of the Nth open day strictly after
  the local date on which the order became ready.
- A local wall time becomes an aware datetime with fold=0, normalised through UTC: an ambiguous
  time (autumn) is its first occurrence, summer time; a non-existent one (the spring-forward gap)
  is read with the winter offset, so 02:30 becomes 03:30 summer time. A start or ready time is
  likewise read as the instant it denotes (an aware 02:30 in the gap is 03:30 summer time).
- ``open_day_before`` counts back: the Nth open day strictly before a date (the pickup reminder is
  sent on the second open day before the pickup deadline's day).
- A branch with no open day within ``HORIZON_DAYS`` consecutive days raises ``NoOpenDayError``
  rather than searching forever, forwards or backwards.

Each deadline costs two queries whatever the number of days skipped: the opening hours (none when
``opening_hours`` is prefetched) and the closures in the window the search may reach.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice

import holidays
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from core.network_time import network_timezone

from .models import Branch

# The longest run of closed days searched before giving up on finding an open day.
HORIZON_DAYS = 366

ONE_DAY = timedelta(days=1)


class NoOpenDayError(ValueError):
    """The branch has no open day within the horizon, so no deadline can be computed."""

    def __init__(self, branch: Branch) -> None:
        self.branch = branch
        super().__init__(
            gettext("The branch %(branch)s has no open day in the coming year.")
            % {"branch": branch}
        )


def is_open_day(branch: Branch, day: date) -> bool:
    """Return whether the branch is open on this day."""
    return _Calendar.load(branch, day, day).is_open(day)


def open_days(branch: Branch, start: date, count: int) -> list[date]:
    """Return the first `count` open days of the branch on or after `start`."""
    _check_at_least_one(count, "count")
    calendar = _Calendar.load(branch, start, _window_end(start, count))
    return list(islice(calendar.open_days(start), count))


def processing_deadline(branch: Branch, start: datetime, hours: int | None = None) -> datetime:
    """Return when an order placed at `start` must be ready: `hours` of the branch's open days."""
    hours = branch.processing_hours if hours is None else hours
    _check_at_least_one(hours, "hours")
    _check_aware(start, "start")
    # Naive local times: their differences are wall-clock durations, which is what we count.
    moment = _local(start)
    first = moment.date()
    # The first open day may be partial, then each open day brings 24 h.
    days_needed = -(-hours // 24) + 1
    calendar = _Calendar.load(branch, first, _window_end(first, days_needed))
    remaining = timedelta(hours=hours)
    for day in calendar.open_days(first):
        moment = max(moment, datetime.combine(day, time.min))
        day_end = datetime.combine(day + ONE_DAY, time.min)
        if moment + remaining <= day_end:
            return _aware(moment + remaining)
        remaining -= day_end - moment
    raise AssertionError("open_days() is endless or raises NoOpenDayError")  # pragma: no cover


def pickup_deadline(branch: Branch, ready_at: datetime, days: int | None = None) -> datetime:
    """Return until when a ready order waits: closing time of the `days`-th open day after."""
    days = branch.pickup_days if days is None else days
    _check_at_least_one(days, "days")
    _check_aware(ready_at, "ready_at")
    first = _local(ready_at).date() + ONE_DAY
    calendar = _Calendar.load(branch, first, _window_end(first, days))
    last_day = list(islice(calendar.open_days(first), days))[-1]
    return _aware(datetime.combine(last_day, calendar.closing_times[last_day.weekday()]))


def open_day_before(branch: Branch, day: date, count: int) -> date:
    """Return the `count`-th open day of the branch strictly before `day`."""
    _check_at_least_one(count, "count")
    last = day - ONE_DAY
    calendar = _Calendar.load(branch, last - timedelta(days=count * HORIZON_DAYS), last)
    return list(islice(calendar.open_days_backwards(last), count))[-1]


@dataclass(frozen=True)
class _Calendar:
    """What decides the open days of one branch between two dates, loaded once."""

    branch: Branch
    closing_times: dict[int, time]  # weekday -> latest closing time; open weekdays only
    closed_dates: frozenset[date]  # days of closures, clipped to the loaded window
    country: str
    subdivision: str | None

    @classmethod
    def load(cls, branch: Branch, first: date, last: date) -> "_Calendar":
        """Read the branch's hours and its closures between `first` and `last`."""
        closing_times: dict[int, time] = {}
        # .all() rather than a narrower query so that a prefetch_related("opening_hours") is used.
        for interval in branch.opening_hours.all():
            latest = closing_times.get(interval.weekday)
            if latest is None or interval.closes_at > latest:
                closing_times[interval.weekday] = interval.closes_at
        closed_dates: set[date] = set()
        if closing_times:  # With no open weekday the closures cannot change anything.
            closures = branch.closures.filter(ends_on__gte=first, starts_on__lte=last)
            for starts_on, ends_on in closures.values_list("starts_on", "ends_on"):
                day = max(starts_on, first)
                while day <= min(ends_on, last):
                    closed_dates.add(day)
                    day += ONE_DAY
        return cls(
            branch=branch,
            closing_times=closing_times,
            closed_dates=frozenset(closed_dates),
            country=settings.PUBLIC_HOLIDAYS_COUNTRY,
            # An empty environment variable means no subdivision, not an unknown one.
            subdivision=getattr(settings, "PUBLIC_HOLIDAYS_SUBDIVISION", None) or None,
        )

    def is_open(self, day: date) -> bool:
        return (
            day.weekday() in self.closing_times
            and day not in self.closed_dates
            and day not in _public_holidays(self.country, self.subdivision, day.year)
        )

    def open_days(self, first: date) -> Iterator[date]:
        """Yield the open days from `first` on; raise NoOpenDayError after a year without one."""
        return self._walk(first, ONE_DAY)

    def open_days_backwards(self, last: date) -> Iterator[date]:
        """Yield the open days from `last` back in time; raise NoOpenDayError as open_days does."""
        return self._walk(last, -ONE_DAY)

    def _walk(self, day: date, step: timedelta) -> Iterator[date]:
        closed_in_a_row = 0
        while True:
            if self.is_open(day):
                closed_in_a_row = 0
                yield day
            else:
                closed_in_a_row += 1
                if closed_in_a_row >= HORIZON_DAYS:
                    raise NoOpenDayError(self.branch)
            day += step


@lru_cache(maxsize=32)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Return the public holidays of one year (cached: building them is slow)."""
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def _window_end(first: date, open_days_needed: int) -> date:
    """Return the last day the search for that many open days can reach before giving up."""
    # Each open day lies within HORIZON_DAYS of the previous one, or the search raises.
    return first + timedelta(days=open_days_needed * HORIZON_DAYS)


def _local(value: datetime) -> datetime:
    """Return the naive local wall time of an aware datetime."""
    # Through UTC: astimezone() to the datetime's own zone would keep a time from the spring gap.
    return value.astimezone(UTC).astimezone(network_timezone()).replace(tzinfo=None)


def _aware(local: datetime) -> datetime:
    """Return the instant shown by this naive local time (first if ambiguous, shifted if none)."""
    tz = network_timezone()
    # fold=0, then a round trip through UTC so that a time in the spring gap comes back real.
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def _check_at_least_one(value: int, name: str) -> None:
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value!r}.")


def _check_aware(value: datetime, name: str) -> None:
    if timezone.is_naive(value):
        raise ValueError(f"{name} must be a timezone-aware datetime.")
