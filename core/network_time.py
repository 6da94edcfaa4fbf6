"""The network's time: the zone and the day on the branches' walls.

Not the zone activated for a user (Django's current time zone): deadlines,
opening hours and "today" are the branches', wherever the patron reads them.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext


def network_timezone() -> ZoneInfo:
    """Return the time zone of the branches' clocks (settings.TIME_ZONE)."""
    return ZoneInfo(settings.TIME_ZONE)


def network_localtime(moment: datetime | None = None) -> datetime:
    """Return a moment (by default now) as the branches' clocks show it, aware."""
    return (moment or timezone.now()).astimezone(network_timezone())


def network_date(moment: datetime | None = None) -> date:
    """Return the network's date at a moment (by default now): the day on the branches' walls."""
    return network_localtime(moment).date()


def start_of_network_day(day: date) -> datetime:
    """Return the aware moment a day of the network begins (its midnight on the branches' walls)."""
    return datetime.combine(day, time.min, tzinfo=network_timezone())


def format_deadline(value: datetime | None) -> str:
    """Format a deadline as people read it, in the network's time zone.

    A deadline at midnight closes the day before ("by Wednesday 2 December"),
    not the next one at 00:00; any other is given with its time.
    """
    if value is None:
        return ""
    local = network_localtime(value)
    if local.time() == time(0):
        return formats.date_format(local.date() - timedelta(days=1), "l j F Y")
    return gettext("%(date)s at %(time)s") % {
        "date": formats.date_format(local, "l j F Y"),
        "time": formats.time_format(local, "H:i"),
    }
