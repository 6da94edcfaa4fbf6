"""The librarians' pages: the queue, the pull list, preparing an order and its bag slip.

Views parse the request, call one service and turn its ReservationError into the
message it carries. Successes redirect (so that a reload does not resend the
form); bad input re-renders the page with the error next to the scan field,
so that the librarian sees it where they are looking and can scan again.
"""

import datetime

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST, require_safe

from catalog.models import Item
from reservations import services
from reservations.exceptions import IllegalTransition, ReservationError, UnknownBarcode
from reservations.models import OPEN_STATUSES, LineStatus, ReservationLine, ReservationStatus

from . import selectors
from .access import PREPARE, reservation_for_staff, staff_required
from .forms import PullListBranchForm, QueueFilterForm, ScanForm

QUEUE_PAGE_SIZE = 25
PULL_LIST_PAGE_SIZE = 50
# An order due within this time is flagged "due soon".
DUE_SOON = datetime.timedelta(hours=4)

URGENCY_OVERDUE = "overdue"
URGENCY_SOON = "soon"
URGENCY_LATER = "later"


def _duration(delta: datetime.timedelta) -> str:
    """Return a rounded duration as people say it: "45 min", "3 h", "2 days"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return ngettext("%(count)d min", "%(count)d min", minutes) % {"count": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(count)d h", "%(count)d h", hours) % {"count": hours}
    days = hours // 24
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def time_left(deadline: datetime.datetime, now: datetime.datetime) -> tuple[str, str]:
    """Return the urgency of a processing deadline and the time left, in words."""
    if deadline <= now:
        return URGENCY_OVERDUE, gettext("overdue by %(duration)s") % {
            "duration": _duration(now - deadline)
        }
    urgency = URGENCY_SOON if deadline - now <= DUE_SOON else URGENCY_LATER
    return urgency, gettext("in %(duration)s") % {"duration": _duration(deadline - now)}


def _mark_urgency(orders, now) -> None:
    for order in orders:
        order.urgency, order.time_left = time_left(order.processing_deadline, now)


# Queue -----------------------------------------------------------------------------------------


@require_safe
@staff_required(PREPARE)
def queue(request):
    """List my branches' open orders, oldest processing deadline first."""
    branches = selectors.branches_for(request.user)
    form = QueueFilterForm(request.GET or None, branches=branches)
    branch = form.value("branch")
    status = form.value("status")
    branch_id = branch.pk if branch else None
    orders = selectors.queue_for(request.user, branch_id=branch_id, status=status)
    page = Paginator(orders, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    _mark_urgency(page.object_list, timezone.now())
    counts = selectors.queue_counts(request.user, branch_id=branch_id)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/queue.html",
        {
            "due_soon_label": gettext("Due soon"),
            "form": form,
            "page": page,
            "counts": [
                (ReservationStatus(value).label, value, count) for value, count in counts.items()
            ],
            "total": sum(counts.values()),
            "query": query.urlencode(),
        },
    )


@require_POST
@staff_required(PREPARE)
def claim(request, reference):
    """Claim an order for preparation ("I'm preparing this"), then open it."""
    reservation = reservation_for_staff(request.user, reference)
    try:
        services.start_preparing(reservation=reservation, by=request.user)
    except ReservationError as error:
        messages.error(request, str(error))
        return redirect("staff:queue")
    messages.success(
        request, gettext("You are preparing order %(reference)s.") % {"reference": reference}
    )
    return redirect("staff:prepare", reference=reference)


# Prepare an order ------------------------------------------------------------------------------


def _render_prepare(request, reference, *, scan_form=None, error=None, status=200):
    reservation = selectors.order_to_prepare(request.user, reference)
    if reservation is None:
        raise Http404
    lines = list(reservation.lines.all())
    if reservation.status in OPEN_STATUSES:
        reservation.urgency, reservation.time_left = time_left(
            reservation.processing_deadline, timezone.now()
        )
    return render(
        request,
        "staff/prepare.html",
        {
            "reservation": reservation,
            "lines": lines,
            "is_open": reservation.status in OPEN_STATUSES,
            "to_pull": sum(line.status == LineStatus.ALLOCATED for line in lines),
            "scan_form": scan_form or ScanForm(),
            "error": error,
        },
        status=status,
    )


@require_safe
@staff_required(PREPARE)
def prepare(request, reference):
    """Show an order to prepare: its documents, a scan field, "not on the shelf", "ready"."""
    return _render_prepare(request, reference)


def _not_open_error(reservation, action):
    return IllegalTransition(
        reference=reservation.reference,
        status=ReservationStatus(reservation.status).label,
        action=action,
    )


@require_POST
@staff_required(PREPARE)
def scan(request, reference):
    """Confirm the copy scanned for the line of this order it was set aside for."""
    reservation = reservation_for_staff(request.user, reference)
    form = ScanForm(request.POST)
    if not form.is_valid():
        return _render_prepare(request, reference, error=form.errors["barcode"][0], status=400)
    barcode = form.cleaned_data["barcode"]
    line = (
        reservation.lines.filter(
            item__barcode=barcode, status__in=(LineStatus.ALLOCATED, LineStatus.PICKED)
        )
        .select_related("record", "item")
        .first()
    )
    try:
        if reservation.status not in OPEN_STATUSES:
            raise _not_open_error(reservation, services.ACTION_PICK)
        if line is None:
            raise _stray_copy(barcode, reservation)
        already = line.status == LineStatus.PICKED
        services.confirm_pick(line=line, barcode=barcode, by=request.user)
    except ReservationError as error:
        return _render_prepare(request, reference, error=str(error), status=409)
    if already:
        messages.info(
            request,
            gettext("“%(title)s” was already pulled: nothing changed.")
            % {"title": line.record.title},
        )
    else:
        messages.success(
            request,
            gettext("“%(title)s” pulled (%(barcode)s).")
            % {"title": line.record.title, "barcode": barcode},
        )
    return redirect("staff:prepare", reference=reference)


def _stray_copy(barcode, reservation) -> ReservationError:
    """Return the error for a barcode that is no copy of this order."""
    if not Item.objects.filter(barcode=barcode).exists():
        return UnknownBarcode(barcode=barcode)
    return ReservationError(
        gettext("The copy %(barcode)s is not set aside for order %(reference)s.")
        % {"barcode": barcode, "reference": reservation.reference}
    )


@require_POST
@staff_required(PREPARE)
def missing(request, reference, line_id):
    """Report a copy not on the shelf: another copy is set aside, or the line is unavailable."""
    reservation = reservation_for_staff(request.user, reference)
    line = get_object_or_404(
        ReservationLine.objects.select_related("record", "item"),
        pk=line_id,
        reservation=reservation,
    )
    missing_barcode = line.item.barcode if line.item else ""
    try:
        result = services.report_missing(line=line, by=request.user)
    except ReservationError as error:
        return _render_prepare(request, reference, error=str(error), status=409)
    title = line.record.title
    if result.status == LineStatus.ALLOCATED:
        messages.success(
            request,
            gettext(
                "%(missing)s was not on the shelf: the copy %(barcode)s (%(call_number)s) "
                "of “%(title)s” is set aside instead."
            )
            % {
                "missing": missing_barcode,
                "barcode": result.item.barcode,
                "call_number": result.item.call_number,
                "title": title,
            },
        )
    else:
        reservation.refresh_from_db(fields=["status"])
        if reservation.status == ReservationStatus.CANCELLED:
            messages.warning(
                request,
                gettext(
                    "No other copy of “%(title)s”: nothing is left to collect, so order "
                    "%(reference)s is cancelled and the patron is told."
                )
                % {"title": title, "reference": reference},
            )
        else:
            messages.warning(
                request,
                gettext("No other copy of “%(title)s”: it is unavailable and the patron is told.")
                % {"title": title},
            )
    return redirect("staff:prepare", reference=reference)


@require_POST
@staff_required(PREPARE)
def ready(request, reference):
    """Put the prepared order at the desk (the patron is told), then show its bag slip."""
    reservation = reservation_for_staff(request.user, reference)
    try:
        services.mark_ready(reservation=reservation, by=request.user)
    except ReservationError as error:
        return _render_prepare(request, reference, error=str(error), status=409)
    messages.success(
        request,
        gettext("Order %(reference)s is ready; the patron is told. Print its bag slip.")
        % {"reference": reference},
    )
    return redirect("staff:slip", reference=reference)


def qr_code_svg(text: str) -> str:
    """Return the QR code of the text as inline SVG (the slip's reference, for the desk)."""
    return segno.make(text, error="m", micro=False).svg_inline(
        scale=4, svgclass="slip__qr-code", omitsize=False
    )


@require_safe
@staff_required(PREPARE)
def slip(request, reference):
    """Show the bag slip of a ready order: reference as text and QR code, patron, deadline."""
    reservation = selectors.order_to_prepare(request.user, reference)
    if reservation is None:
        raise Http404
    printable = reservation.status == ReservationStatus.READY
    error = None
    if not printable:
        error = gettext("Order %(reference)s is %(status)s: it has no bag slip to print.") % {
            "reference": reference,
            "status": ReservationStatus(reservation.status).label,
        }
    lines = [line for line in reservation.lines.all() if line.status == LineStatus.PICKED]
    return render(
        request,
        "staff/slip.html",
        {
            "reservation": reservation,
            "lines": lines,
            "printable": printable,
            "error": error,
            "qr_code": mark_safe(qr_code_svg(reservation.reference)) if printable else "",  # noqa: S308 - segno's own SVG
        },
    )


# Pull list -------------------------------------------------------------------------------------


def _pull_list_branch(request, data):
    branches = selectors.branches_for(request.user)
    form = PullListBranchForm(data, branches=branches)
    if data is not None and form.is_valid():
        return form, form.cleaned_data["branch"]
    branch = branches.first()
    if branch is None:
        raise Http404
    return PullListBranchForm(initial={"branch": branch}, branches=branches), branch


def _render_pull_list(request, form, branch, *, scan_form=None, error=None, status=200):
    lines = selectors.pull_list_for(request.user, branch)
    page = Paginator(lines, PULL_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for line in page.object_list:
        line.urgency, line.time_left = time_left(line.reservation.processing_deadline, now)
    return render(
        request,
        "staff/pull_list.html",
        {
            "form": form,
            "branch": branch,
            "page": page,
            "scan_form": scan_form or ScanForm(),
            "error": error,
            "printed_at": now,
            "branch_query": f"branch={branch.pk}",
        },
        status=status,
    )


@require_safe
@staff_required(PREPARE)
def pull_list(request):
    """List every copy to pull from one of my branches' shelves, by call number."""
    form, branch = _pull_list_branch(request, request.GET if "branch" in request.GET else None)
    return _render_pull_list(request, form, branch)


@require_POST
@staff_required(PREPARE)
def pull_scan(request):
    """Confirm a copy scanned from the pull list for the line of the order it is set aside for."""
    form, branch = _pull_list_branch(request, request.POST)
    scan_form = ScanForm(request.POST)
    if not scan_form.is_valid():
        return _render_pull_list(
            request, form, branch, error=scan_form.errors["barcode"][0], status=400
        )
    barcode = scan_form.cleaned_data["barcode"]
    line = selectors.pull_line_for(request.user, branch, barcode)
    try:
        if line is None:
            raise _off_list_copy(barcode, branch)
        if line.status == LineStatus.PICKED:
            raise ReservationError(
                gettext("“%(title)s” (%(barcode)s) was already pulled for order %(reference)s.")
                % {"title": line.record.title, "barcode": barcode, "reference": line.reservation}
            )
        services.confirm_pick(line=line, barcode=barcode, by=request.user)
    except ReservationError as error:
        return _render_pull_list(request, form, branch, error=str(error), status=409)
    messages.success(
        request,
        gettext("“%(title)s” (%(barcode)s) pulled for order %(reference)s.")
        % {"title": line.record.title, "barcode": barcode, "reference": line.reservation},
    )
    return redirect(f"{reverse('staff:pull_list')}?branch={branch.pk}")


def _off_list_copy(barcode, branch) -> ReservationError:
    """Return the error for a barcode that is not on the branch's pull list."""
    if not Item.objects.filter(barcode=barcode).exists():
        return UnknownBarcode(barcode=barcode)
    return ReservationError(
        gettext("The copy %(barcode)s is not on the pull list of %(branch)s.")
        % {"barcode": barcode, "branch": branch.name}
    )
