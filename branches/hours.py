"""A branch's week of opening hours, grouped once for every page and e-mail that shows it.

The branches page shows the whole week ("Tuesday–Friday 13:00–19:00", "Sunday
closed"), checkout a summary of the open days ("Tue–Fri 13:00–19:00"), the
e-mails one line per open day: each words it its own way from these groups.
"""

import datetime
from dataclasses import dataclass
from itertools import groupby

Interval = tuple[datetime.time, datetime.time]


@dataclass(frozen=True)
class Days:
    """Consecutive weekdays (0 is Monday) that share the same intervals; none: closed."""

    first: int
    last: int
    intervals: tuple[Interval, ...]


def intervals_by_day(hours) -> dict[int, tuple[Interval, ...]]:
    """Return each weekday's intervals, in order, from OpeningHours rows (prefetched or not)."""
    days: dict[int, list[Interval]] = {weekday: [] for weekday in range(7)}
    for row in hours:
        days[row.weekday].append((row.opens_at, row.closes_at))
    return {weekday: tuple(sorted(intervals)) for weekday, intervals in days.items()}


def week(hours, *, closed_days: bool = True) -> list[Days]:
    """Return the week from Monday, consecutive days with the same intervals merged.

    A closed day breaks a run; with ``closed_days=False`` closed days are left out.
    """
    by_day = intervals_by_day(hours)
    groups = []
    for intervals, days in groupby(range(7), key=by_day.__getitem__):
        days = list(days)
        if intervals or closed_days:
            groups.append(Days(first=days[0], last=days[-1], intervals=intervals))
    return groups


def hhmm(interval: Interval) -> str:
    """Return an interval as the network writes it: 13:00–19:00."""
    opens, closes = interval
    return f"{opens:%H:%M}–{closes:%H:%M}"
