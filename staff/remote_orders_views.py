"""Phone and e-mail orders: a librarian builds an order for a patron, under the web's rules.

Step 1 finds the patron; step 2 records how the order came in and where it will
be collected; step 3 searches the catalogue and fills the order; step 4
submits it through `services.submit_reservation`, which enforces every rule
again under lock. The order being built lives in the session, one draft per
patron, so the pages need no JavaScript and two patrons on two tabs do not mix.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from catalog.search import SearchFilters, search_records
from reservations import ordering, services
from reservations.exceptions import NoBranchChosen, ReservationError
from reservations.models import Reservation
from reservations.ordering import OrderDraft
from reservations.selectors import basket_records, record_for_basket

from .access import TAKE_REMOTE_ORDER, reservation_for_staff, staff_required
from .desk_forms import ChannelBranchForm, PatronSearchForm
from .desk_selectors import find_patrons, remote_order_branches

# Results of the catalogue search shown at once: the librarian refines rather than pages.
SEARCH_PAGE_SIZE = 10


def _patron(patron_id: int) -> User:
    return get_object_or_404(User, pk=patron_id, is_staff=False, is_active=True)


def _chosen_branch(draft: OrderDraft, branches):
    """Return the draft's branch if it is still one of the librarian's that takes its channel."""
    for branch in branches:
        if branch.pk == draft.branch_id:
            form = ChannelBranchForm(
                {"channel": draft.channel, "branch": branch.pk}, branches=branches
            )
            return branch if form.is_valid() else None
    return None


@require_GET
@staff_required(TAKE_REMOTE_ORDER)
def remote_order(request):
    """Step 1: find the patron by card number (exact) or last name (contains)."""
    form = PatronSearchForm(request.GET or None)
    patrons = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        patrons = find_patrons(form.cleaned_data["q"])
    return render(
        request,
        "staff/remote_order.html",
        {"form": form, "patrons": patrons, "branches": remote_order_branches(request.user)},
    )


@require_GET
@staff_required(TAKE_REMOTE_ORDER)
def remote_order_patron(request, patron_id: int):
    """Steps 2 to 4 for one patron: channel and branch, documents, submission."""
    patron = _patron(patron_id)
    return render(
        request,
        "staff/remote_order_patron.html",
        _patron_context(request, patron, query=request.GET.get("q", "")),
    )


def _patron_context(request, patron: User, *, query: str = "", setup_form=None) -> dict:
    draft = OrderDraft.taken_for(request.session, patron.pk)
    branches = remote_order_branches(request.user)
    branch = _chosen_branch(draft, branches)
    held = ordering.holdings(patron)
    records = basket_records(draft.record_ids)
    used = held.count + len(records)
    query = " ".join(str(query).split())[:200]
    results = None
    if branch is not None and query:
        results = search_records(
            query=query, filters=SearchFilters(branch=branch), page_size=SEARCH_PAGE_SIZE
        )
        chosen = {record.pk for record in records}
        for hit in results.hits:
            hit.in_order = hit.pk in chosen
            hit.ordered_in = held.references.get(hit.pk, "")
    if setup_form is None:
        initial = {"channel": draft.channel or "phone", "branch": branch.pk if branch else None}
        setup_form = ChannelBranchForm(initial=initial, branches=branches)
    return {
        "patron": patron,
        "membership_valid": patron.has_valid_membership(),
        "branches": branches,
        "branch": branch,
        "step": 3 if branch else 2,
        "setup_form": setup_form,
        "records": records,
        "active": held.count,
        "used": used,
        "remaining": max(settings.MAX_ACTIVE_ITEMS - used, 0),
        "query": query,
        "results": results,
    }


@require_POST
@staff_required(TAKE_REMOTE_ORDER)
def remote_order_setup(request, patron_id: int):
    """Step 2: record the channel and the pickup branch (one of mine that takes that channel)."""
    patron = _patron(patron_id)
    branches = remote_order_branches(request.user)
    form = ChannelBranchForm(request.POST, branches=branches)
    if not form.is_valid():
        context = _patron_context(request, patron, setup_form=form)
        return render(request, "staff/remote_order_patron.html", context, status=400)
    draft = OrderDraft.taken_for(request.session, patron.pk)
    draft.channel = form.cleaned_data["channel"]
    draft.branch_id = form.cleaned_data["branch"].pk
    draft.save()
    return redirect("staff:remote_order_patron", patron_id=patron.pk)


@require_POST
@staff_required(TAKE_REMOTE_ORDER)
def remote_order_add(request, patron_id: int):
    """Step 3: add a document, under the rules the patron's basket follows."""
    patron = _patron(patron_id)
    draft = OrderDraft.taken_for(request.session, patron.pk)
    query = request.POST.get("q", "")
    record = record_for_basket(request.POST.get("record"))
    try:
        if _chosen_branch(draft, remote_order_branches(request.user)) is None:
            raise NoBranchChosen()
        ordering.add_to_draft(draft, record, patron=patron)
    except ReservationError as error:
        messages.error(request, error.for_staff())
    else:
        messages.success(request, _("“%(title)s” added to the order.") % {"title": record.title})
    return _back_to_patron(patron, query)


@require_POST
@staff_required(TAKE_REMOTE_ORDER)
def remote_order_remove(request, patron_id: int):
    """Step 3: take a document out of the order being built."""
    patron = _patron(patron_id)
    draft = OrderDraft.taken_for(request.session, patron.pk)
    record = record_for_basket(request.POST.get("record"))
    if record is not None and draft.remove(record.pk):
        messages.success(
            request, _("“%(title)s” removed from the order.") % {"title": record.title}
        )
    return _back_to_patron(patron, request.POST.get("q", ""))


@require_POST
@staff_required(TAKE_REMOTE_ORDER)
def remote_order_submit(request, patron_id: int):
    """Step 4: place the order; on a broken rule, say which and keep the selection."""
    patron = _patron(patron_id)
    draft = OrderDraft.taken_for(request.session, patron.pk)
    branch = _chosen_branch(draft, remote_order_branches(request.user))
    try:
        if branch is None:
            raise NoBranchChosen()
        reservation = services.submit_reservation(
            patron=patron,
            branch=branch,
            records=basket_records(draft.record_ids),
            channel=draft.channel,
            created_by=request.user,
        )
    except ReservationError as error:
        messages.error(request, error.for_staff())
        return _back_to_patron(patron, request.POST.get("q", ""))
    draft.clear()
    messages.success(
        request,
        _("Order %(reference)s placed for %(name)s, to collect at %(branch)s.")
        % {
            "reference": reservation.reference,
            "name": patron.get_full_name() or patron.card_number,
            "branch": branch.name,
        },
    )
    return redirect("staff:remote_order_done", reference=reservation.reference)


@require_GET
@staff_required(TAKE_REMOTE_ORDER)
def remote_order_done(request, reference: str):
    """Confirm the order placed, with a link to prepare it."""
    pk = reservation_for_staff(request.user, reference).pk
    reservation = (
        Reservation.objects.select_related("patron", "branch")
        .prefetch_related("lines__record")
        .get(pk=pk)
    )
    return render(
        request,
        "staff/remote_order_done.html",
        {
            "reservation": reservation,
            "deadline": formats.date_format(reservation.processing_deadline, "DATETIME_FORMAT"),
        },
    )


def _back_to_patron(patron: User, query: str):
    response = redirect("staff:remote_order_patron", patron_id=patron.pk)
    query = " ".join(str(query).split())[:200]
    if query:
        response["Location"] += "?" + urlencode({"q": query})
    return response
