"""The pickup slots of a branch: when patrons may come for a ready order, by appointment.

Slots are cut from the branch's pickup hours of each weekday (its opening
hours when it has none), ``slot_minutes`` long, on the branch's open days
only (closures and public holidays skipped, as by the calendar). A slot is
wall-clock local time: a 10:00 slot is at 10:00 on the clock on both sides
of a DST change; one the spring change skips (02:00-03:00) is not offered.
Only slots that start after ``after`` and end by ``until``
are offered: never a past slot, never one beyond an order's pickup deadline.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .calendar import ONE_DAY, _aware, _Calendar, _check_aware, _local
from .models import Branch

# The longest span of days whose slots are listed at once.
MAX_DAYS = 62


@dataclass(frozen=True, order=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


def weekly_intervals(branch: Branch) -> dict[int, list[tuple[time, time]]]:
    """Pickup intervals by weekday: the pickup hours, else the opening hours."""
    intervals: dict[int, list[tuple[time, time]]] = {}
    rows = [(row.weekday, row.starts_at, row.ends_at) for row in branch.pickup_hours.all()]
    if not rows:
        rows = [(row.weekday, row.opens_at, row.closes_at) for row in branch.opening_hours.all()]
    for weekday, starts_at, ends_at in sorted(rows):
        intervals.setdefault(weekday, []).append((starts_at, ends_at))
    return intervals


def pickup_slots(branch: Branch, *, after: datetime, until: datetime) -> list[Slot]:
    """Return the slots of the branch that start after ``after`` and end by ``until``."""
    _check_aware(after, "after")
    _check_aware(until, "until")
    first: date = _local(after).date()
    last: date = min(_local(until).date(), first + timedelta(days=MAX_DAYS))
    if last < first:
        return []
    calendar = _Calendar.load(branch, first, last)
    intervals = weekly_intervals(branch)
    length = timedelta(minutes=branch.slot_minutes)
    slots = []
    day = first
    while day <= last:
        if calendar.is_open(day):
            for starts_at, ends_at in intervals.get(day.weekday(), ()):
                start = datetime.combine(day, starts_at)
                interval_end = datetime.combine(day, ends_at)
                while start + length <= interval_end:
                    end = start + length
                    slot = Slot(_aware(start), _aware(end))
                    # A slot in the spring-forward gap does not exist on the clock: skip it.
                    real = _local(slot.starts_at) == start and _local(slot.ends_at) == end
                    if real and slot.starts_at > after and slot.ends_at <= until:
                        slots.append(slot)
                    start = end
        day += ONE_DAY
    return slots
