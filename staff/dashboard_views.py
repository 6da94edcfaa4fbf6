"""The staff dashboard: today's figures, late orders, the last 30 days; and its CSV export."""

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.network_time import network_date

from . import stats
from .access import ALL_BRANCHES, VIEW_DASHBOARD, staff_branches, staff_required
from .board_selectors import pickup_figures
from .chart import lay_out

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def chosen_branches(request):
    """Return the user's branches, those the page counts (all or the one asked for), that one.

    A ?branch= that is not one of the user's branches is ignored.
    """
    branches = list(staff_branches(request.user).order_by("name"))
    wanted = request.GET.get("branch", "")
    chosen = [branch for branch in branches if str(branch.pk) == wanted]
    return branches, (chosen or branches), (chosen[0] if chosen else None)


def whole_network(request, selected) -> bool:
    """Tell whether the page counts every branch of the network (no filter needed)."""
    return selected is None and request.user.has_perm(ALL_BRANCHES)


@require_GET
@staff_required(VIEW_DASHBOARD)
def dashboard(request):
    branches, counted, selected = chosen_branches(request)
    branch_ids = None if whole_network(request, selected) else [branch.pk for branch in counted]
    series = stats.daily_series(branch_ids)
    today = network_date()
    context = {
        "branches": branches,
        "selected_branch": selected,
        "counted_branches": counted,
        "status_counts": stats.status_counts_today(branch_ids),
        "overdue": stats.overdue_orders(branch_ids),
        "chart": lay_out(series),
        # The day's booked slots and no-show rate of the branches taking appointments.
        "pickups": pickup_figures(list(counted), today),
        "today": today,
    }
    return render(request, "staff/dashboard.html", context)


def spreadsheet_safe(value):
    """Return a cell a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@require_GET
@staff_required(VIEW_DASHBOARD)
def dashboard_csv(request):
    """Export one row per day of the last 30 days and per branch, for a spreadsheet."""
    _branches, counted, selected = chosen_branches(request)
    series = stats.daily_series_by_branch(
        [branch.pk for branch in counted], whole_network=whole_network(request, selected)
    )
    today = network_date()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="click-and-collect-{today.isoformat()}.csv"'
    )
    response.write("\ufeff")  # the byte order mark that tells Excel the file is UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("date"),
            _("branch"),
            _("orders received"),
            _("orders ready"),
            _("prepared within the deadline"),
            _("share within the deadline (%)"),
        ]
    )
    for branch in counted:
        for day in series[branch.pk]:
            percent = day.percent_on_time
            writer.writerow(
                [
                    spreadsheet_safe(value)
                    for value in (
                        day.day.isoformat(),
                        branch.name,
                        day.received,
                        day.ready,
                        day.on_time,
                        "" if percent is None else f"{percent:.1f}",
                    )
                ]
            )
    return response
