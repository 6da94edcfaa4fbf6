import datetime

from django import template
from django.utils import formats
from django.utils.translation import gettext

from core.network_time import network_localtime

register = template.Library()


@register.filter
def deadline(value: datetime.datetime | None) -> str:
    """Format a deadline as people read it, in the network's time zone.

    A deadline at midnight closes the day before ("by Wednesday 2 December"),
    not the next one at 00:00; any other is given with its time.
    """
    if value is None:
        return ""
    local = network_localtime(value)
    if local.time() == datetime.time(0):
        return formats.date_format(local.date() - datetime.timedelta(days=1), "l j F Y")
    return gettext("%(date)s at %(time)s") % {
        "date": formats.date_format(local, "l j F Y"),
        "time": formats.time_format(local, "H:i"),
    }
