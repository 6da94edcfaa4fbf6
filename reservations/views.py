"""The patron's pages: the basket and its checkout, their orders, their loans."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.geo import position_from_request
from core.headers import uses_geolocation
from core.network_time import format_deadline

from . import ordering, selectors, services
from .exceptions import ReservationError
from .forms import CheckoutForm, PositionForm, RecordForm, new_submission_key

# What the patron's position was measured from, for the sentence above the branches.
POSITION_FIELDS = ("postcode", "lat", "lon")


def _basket_url(params) -> str:
    """Return the basket's address, keeping the position the patron had given."""
    kept = {name: params.get(name, "").strip() for name in POSITION_FIELDS}
    query = urlencode({name: value for name, value in kept.items() if value})
    url = reverse("reservations:basket")
    return f"{url}?{query}" if query else url


def _patron(request):
    return request.user if request.user.is_authenticated else None


@require_safe
@uses_geolocation
def basket(request):
    """Show the basket, the cap, and the branches to collect from, nearest first."""
    cart = ordering.OrderDraft.basket(request.session)
    patron = _patron(request)
    held = ordering.holdings(patron)
    # A document already in an order not yet collected leaves the basket (an order placed
    # from another tab or device, or one whose answer never reached the browser).
    records = [
        record
        for record in selectors.basket_records(cart.record_ids)
        if record.pk not in held.references
    ]
    cart.keep_only(record.pk for record in records)
    position_form = PositionForm(request.GET or None)
    typed = position_form.cleaned_data["postcode"] if position_form.is_valid() else ""
    position = position_from_request(request)
    # A postcode typed that the network cannot place: say so rather than ignore it.
    unknown_postcode = bool(typed) and (position is None or position.source == "home_branch")
    branches = selectors.pickup_branches(records, position) if records and patron else []
    suggested = next((branch for branch in branches if not branch.missing), None)
    used = held.count + len(records)
    return render(
        request,
        "reservations/basket.html",
        {
            "records": records,
            "submission_key": new_submission_key(),
            "active": held.count,
            "used": used,
            "remaining": max(settings.MAX_ACTIVE_ITEMS - used, 0),
            "over_cap": used > settings.MAX_ACTIVE_ITEMS,
            "slots": [index < used for index in range(max(settings.MAX_ACTIVE_ITEMS, used))],
            "membership_valid": patron is None or patron.has_valid_membership(),
            "position": position,
            "position_form": position_form,
            "postcode": typed,
            "unknown_postcode": unknown_postcode,
            "branches": branches,
            "suggested": suggested,
            "radius_km": settings.RECOMMENDED_RADIUS_KM,
            "nearest_too_far": bool(
                branches
                and branches[0].distance_km is not None
                and branches[0].distance_km > settings.RECOMMENDED_RADIUS_KM
            ),
        },
    )


@require_POST
def basket_add(request):
    """Put a record in the basket, or say why it cannot go in; then go back where the patron was."""
    form = RecordForm(request.POST)
    default = reverse("reservations:basket")
    record = selectors.record_for_basket(request.POST.get("record")) if form.is_valid() else None
    try:
        ordering.add_to_draft(
            ordering.OrderDraft.basket(request.session), record, patron=_patron(request)
        )
    except ReservationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, gettext("“%(title)s” is in your basket.") % {"title": record.title}
        )
    return redirect(form.next_url(request, default))


@require_POST
def basket_remove(request):
    """Take a record out of the basket."""
    form = RecordForm(request.POST)
    record = selectors.record_for_basket(request.POST.get("record")) if form.is_valid() else None
    if record is not None and ordering.OrderDraft.basket(request.session).remove(record.pk):
        messages.success(
            request, gettext("“%(title)s” is no longer in your basket.") % {"title": record.title}
        )
    else:
        messages.info(request, gettext("This document was not in your basket."))
    return redirect(_basket_url(request.POST))


@require_POST
def checkout(request):
    """Place the order for the basket at the chosen branch; empty the basket if it worked."""
    back = _basket_url(request.POST)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("reservations:basket"))
    cart = ordering.OrderDraft.basket(request.session)
    form = CheckoutForm(request.POST, basket_ids=cart.record_ids)
    placed = selectors.order_of_submission(request.user, request.POST.get("submission", ""))
    if placed is not None:
        # The same form sent again after it was answered (the basket is empty by now).
        return _already_placed(request, placed)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        reservation = services.submit_reservation(
            patron=request.user,
            branch=form.cleaned_data["branch"],
            records=selectors.basket_records(cart.record_ids),
            submission_key=form.cleaned_data["submission"],
        )
    except ReservationError as error:
        messages.error(request, str(error))
        return redirect(back)
    cart.clear()
    if reservation.placed_before:
        # The same form sent twice at once (a double click): the second waited for the first.
        return _already_placed(request, reservation)
    messages.success(
        request,
        gettext(
            "Thank you! Your order %(reference)s is registered at %(branch)s. It will be ready "
            "by %(deadline)s at the latest; we will e-mail you as soon as it is."
        )
        % {
            "reference": reservation.reference,
            "branch": reservation.branch.name,
            "deadline": format_deadline(reservation.processing_deadline),
        },
    )
    return redirect("pickups:my_orders")


def _already_placed(request, reservation):
    messages.info(
        request,
        gettext("Your order %(reference)s was already registered: here it is.")
        % {"reference": reservation.reference},
    )
    return redirect("pickups:my_orders")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request, reference):
    """Ask the patron to confirm, then cancel their order; another patron's order is a 404."""
    reservation = selectors.patron_reservation(request.user, reference)
    if reservation is None:
        raise Http404
    if not reservation.is_active:
        messages.info(
            request,
            gettext("Order %(reference)s can no longer be cancelled.")
            % {"reference": reservation.reference},
        )
        return redirect("pickups:my_orders")
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            services.cancel(reservation=reservation, by=request.user)
        except ReservationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                gettext("Your order %(reference)s is cancelled.")
                % {"reference": reservation.reference},
            )
        return redirect("pickups:my_orders")
    # GET, or the list's button without confirmation: ask first (no JavaScript needed).
    return render(request, "reservations/cancel.html", {"reservation": reservation})


@login_required
@require_safe
def my_loans(request):
    """List the patron's current loans, soonest due first, then the ones recently returned.

    The membership's end heads the page, with the campaign that extended it if one did.
    """
    return render(
        request,
        "reservations/my_loans.html",
        {
            "loans": selectors.current_loans(request.user),
            "returned": selectors.returned_loans(request.user),
            "membership_extension": selectors.membership_extension(request.user),
        },
    )
