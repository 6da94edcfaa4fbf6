"""Show a branch's hours, closures, distance and map link as patrons read them."""

import datetime
from dataclasses import dataclass

from django import template
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext

from core.network_time import network_date

from ..hours import hhmm, week

register = template.Library()


@dataclass(frozen=True)
class DaysHours:
    """Consecutive weekdays sharing the same opening intervals (none: closed)."""

    days: str
    hours: str


@register.filter
def weekly_hours(branch) -> list[DaysHours]:
    """Return the week from Monday, identical consecutive days merged.

    "Tuesday–Friday 13:00–19:00", "Saturday 10:00–13:00, 14:00–18:00", "Sunday closed".
    Reads `branch.opening_hours.all()`, so a prefetch makes it free.
    """
    lines = []
    for days in week(branch.opening_hours.all()):
        label = str(WEEKDAYS[days.first])
        if days.last != days.first:
            label = f"{label}–{WEEKDAYS[days.last]}"
        text = ", ".join(hhmm(interval) for interval in days.intervals)
        lines.append(DaysHours(days=label, hours=text or pgettext("weekday", "closed")))
    return lines


@register.filter
def today_hours(branch) -> str:
    """Return today's opening intervals of the branch ("10:00–13:00, 14:00–19:00")."""
    weekday = network_date().weekday()
    return ", ".join(
        hhmm((row.opens_at, row.closes_at))
        for row in sorted(branch.opening_hours.all(), key=lambda row: row.opens_at)
        if row.weekday == weekday
    )


def _short_date(day: datetime.date) -> str:
    # "24 déc." / "24 Dec."; the year only when it is not this year's.
    fmt = "j N" if day.year == timezone.localdate().year else "j N Y"
    return formats.date_format(day, fmt)


@register.filter
def closure_period(closure) -> str:
    """Return when a closure is, as a sentence fragment: "closed from 24 Dec. to 2 Jan."."""
    today = timezone.localdate()
    if closure.starts_on == closure.ends_on:
        return gettext("closed on %(day)s") % {"day": _short_date(closure.starts_on)}
    if closure.starts_on <= today:
        return gettext("closed until %(last)s") % {"last": _short_date(closure.ends_on)}
    return gettext("closed from %(first)s to %(last)s") % {
        "first": _short_date(closure.starts_on),
        "last": _short_date(closure.ends_on),
    }


@register.filter
def distance(kilometres: float | None) -> str:
    """Return a distance as walkers read it: "350 m" under a kilometre, else "2.4 km"."""
    if kilometres is None:
        return ""
    if kilometres < 1:
        return gettext("%(metres)s m") % {"metres": max(10, round(kilometres * 100) * 10)}
    return gettext("%(kilometres)s km") % {
        "kilometres": number_format(round(kilometres, 1), decimal_pos=1)
    }


@register.filter
def map_url(branch) -> str:
    """Return the branch's place on OpenStreetMap (decimal points whatever the language)."""
    latitude, longitude = f"{float(branch.latitude):.6f}", f"{float(branch.longitude):.6f}"
    return (
        f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}"
        f"#map=18/{latitude}/{longitude}"
    )
