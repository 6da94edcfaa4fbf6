"""The staff board of a branch and a day: to prepare, ready, patron is here, handed over, late.

The page polls its own fragment every few seconds (htmx); without
JavaScript it reloads itself (a <noscript> meta refresh). Staff see the
boards of their own branches only: another branch is a 404, as elsewhere in
the staff area.
"""

import datetime

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from core.network_time import network_date
from pickups.models import Arrival
from staff.access import VIEW_DASHBOARD, reservations_for_staff, staff_required

from . import board_selectors, board_services

# How often the board asks for its fragment, and reloads itself without JavaScript.
POLL_SECONDS = 5
RELOAD_SECONDS = 30
# The board shows days within a year of today; a date further off means today.
MAX_DAYS_AWAY = 366


def _board_query(branch_id, day) -> str:
    return urlencode({"branch": branch_id, "day": day.isoformat()})


def _chosen(request, params):
    """Return the user's branches, the branch asked for (else the first one) and the day.

    A branch that is not one of the user's is a 404; a day that is not a date is today.
    """
    branches = board_selectors.board_branches(request.user)
    wanted = params.get("branch", "")
    if wanted:
        branch = next((b for b in branches if str(b.pk) == wanted), None)
        if branch is None:
            raise Http404
    else:
        branch = branches[0] if branches else None
    today = network_date()
    try:
        day = datetime.date.fromisoformat(params.get("day", ""))
    except ValueError:
        day = today
    if abs((day - today).days) > MAX_DAYS_AWAY:
        day = today  # 9999-12-31 has no next day to link to
    return branches, branch, day


def _context(request, branches, branch, day) -> dict:
    now = timezone.now()
    board = board_selectors.board_for(branch, day, now=now)
    no_shows = board_selectors.no_shows([branch.pk], now=now)[branch.pk]
    query = _board_query(branch.pk, day)
    since = request.GET.get("since", "")
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    since = int(since) if since.isascii() and since.isdigit() and len(since) < 19 else None
    return {
        "branches": branches,
        "board": board,
        "no_shows": no_shows,
        "query": query,
        "board_url": f"{reverse('board:board')}?{query}",
        "fragment_url": f"{reverse('board:fragment')}?{query}&since={board.latest_arrival_id}",
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "today": network_date(now),
        # Arrivals newer than those the page already announced (none on the first load).
        "new_arrivals": [
            order for order in board.here if since is not None and order.board_arrival.pk > since
        ],
        "poll_seconds": POLL_SECONDS,
        "reload_seconds": RELOAD_SECONDS,
    }


@require_GET
@staff_required(VIEW_DASHBOARD)
def board(request):
    """Show the board of one of my branches for a day (today by default)."""
    branches, branch, day = _chosen(request, request.GET)
    if branch is None:
        return render(request, "staff/board/board_no_branch.html")
    return render(request, "staff/board/board.html", _context(request, branches, branch, day))


def _fragment(request, params):
    branches, branch, day = _chosen(request, params)
    if branch is None:
        raise Http404
    return render(
        request, "staff/board/board_fragment.html", _context(request, branches, branch, day)
    )


@require_GET
def fragment(request):
    """Return the board's sections alone, for the page's polling."""
    user = request.user
    allowed = user.is_authenticated and user.is_active and user.is_staff
    if not (allowed and user.has_perm(VIEW_DASHBOARD)):
        # Signed out (or no longer staff) while the board was open: reload the whole page,
        # which asks to sign in or says no, rather than swapping that page into the board.
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Refresh": "true"})
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    return _fragment(request, request.GET)


@require_POST
@staff_required(VIEW_DASHBOARD)
def seen(request, arrival_id):
    """Acknowledge a patron's "I'm here", then show the board again."""
    arrival = get_object_or_404(
        Arrival.objects.filter(reservation__in=reservations_for_staff(request.user)),
        pk=arrival_id,
    )
    board_services.mark_arrival_seen(arrival=arrival, by=request.user)
    if request.headers.get("HX-Request"):
        return _fragment(request, request.POST)
    _branches, branch, day = _chosen(request, request.POST)
    query = _board_query(branch.pk if branch else arrival.reservation.branch_id, day)
    return redirect(f"{reverse('board:board')}?{query}")
