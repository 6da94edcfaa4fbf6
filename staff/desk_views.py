"""The desk: find a patron's ready orders by card, reference or slip; hand them over; returns.

Views are thin: the desk field is read by `desk_selectors.desk_search`, the
hand-over and the return by `services.collect` and `services.return_item`,
whose errors are shown as they are.
"""

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Item
from reservations import services
from reservations.exceptions import ReservationError
from reservations.models import LineStatus, Loan, ReservationStatus

from .access import HAND_OVER, reservation_for_staff, staff_required
from .desk_forms import DeskSearchForm, HandOverForm, ReturnForm
from .desk_selectors import desk_search, reference_in


@require_GET
@staff_required(HAND_OVER)
def desk(request):
    """Show the desk field, what it found, and the returns field."""
    form = DeskSearchForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        found = desk_search(request.user, form.cleaned_data["q"])
    return render(
        request,
        "staff/desk.html",
        {
            "form": form,
            "found": found,
            "return_form": ReturnForm(),
            # After a return, the next copy is scanned straight away.
            "focus_returns": request.GET.get("focus") == "returns",
        },
    )


@require_POST
@staff_required(HAND_OVER)
def hand_over(request, reference):
    """Lend the ticked documents of a ready order; the others go back to the shelf."""
    # Another branch's order is a 404, like an unknown one.
    reservation = reservation_for_staff(request.user, reference_in(reference) or "")
    back = f"{reverse('staff:desk')}?q={reservation.reference}"
    statuses = dict(reservation.lines.values_list("pk", "status"))
    form = HandOverForm(request.POST, line_ids=list(statuses))
    if not form.is_valid():
        messages.error(
            request,
            _(
                "Order %(reference)s has changed since this page was shown: nothing was handed "
                "over. Check the order below and try again."
            )
            % {"reference": reservation.reference},
        )
        return redirect(back)
    chosen = form.cleaned_data["lines"]
    if not chosen and reservation.status == ReservationStatus.READY:
        messages.error(request, _("Tick at least one document to hand over."))
        return redirect(back)
    try:
        services.collect(reservation=reservation, by=request.user, lines=chosen)
    except ReservationError as error:
        messages.error(request, str(error))
        return redirect(back)
    loans = list(
        Loan.objects.filter(line__reservation=reservation)
        .select_related("item__record")
        .order_by("due_on", "item__record__title", "pk")
    )
    due = "; ".join(
        _("“%(title)s” due back on %(date)s")
        % {"title": loan.item.record.title, "date": formats.date_format(loan.due_on)}
        for loan in loans
    )
    message = _("Order %(reference)s handed over: %(due)s.") % {
        "reference": reservation.reference,
        "due": due,
    }
    kept = sum(
        1 for pk, status in statuses.items() if status == LineStatus.PICKED and pk not in chosen
    )
    if kept:
        message += " " + ngettext(
            "%(count)d document was not taken: put it back on the shelf.",
            "%(count)d documents were not taken: put them back on the shelf.",
            kept,
        ) % {"count": kept}
    messages.success(request, message)
    return redirect("staff:desk")


@require_POST
@staff_required(HAND_OVER)
def return_item(request):
    """End the loan of the copy scanned; say whether it goes to quarantine or to the shelf."""
    form = ReturnForm(request.POST)
    back = f"{reverse('staff:desk')}?focus=returns"
    if not form.is_valid():
        messages.error(request, _("Scan or type the barcode of the copy returned."))
        return redirect(back)
    try:
        loan = services.return_item(barcode=form.cleaned_data["barcode"], by=request.user)
    except ReservationError as error:
        messages.error(request, str(error))
        return redirect(back)
    item = Item.objects.select_related("record__document_type").get(pk=loan.item_id)
    if item.status == Item.Status.QUARANTINE:
        until = timezone.localdate(item.status_changed_at) + datetime.timedelta(
            days=item.record.document_type.quarantine_days
        )
        message = _("Returned: “%(title)s”; in quarantine until %(date)s.") % {
            "title": item.record.title,
            "date": formats.date_format(until),
        }
    else:
        message = _("Returned: “%(title)s”; back on the shelf.") % {"title": item.record.title}
    messages.success(request, message)
    return redirect(back)
