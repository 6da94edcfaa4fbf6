"""The public catalogue: search at /catalog/?q=, one record at /catalog/<id>/."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from branches.geo import position_from_request

from .forms import PostcodeForm, SearchForm, language_name
from .models import Record
from .results_cache import results_section
from .selectors import record_availability


@require_safe
def search(request):
    """Search the catalogue; every parameter comes from the query string."""
    form = SearchForm(request.GET)
    form.is_valid()  # Invalid filters are shown as errors and left out of the search.
    section = ""
    if form.query:
        section = results_section(form.query, form.filters, request.GET.get("page", ""))
    return render(request, "catalog/search.html", {"form": form, "results_section": section})


@require_safe
def record(request, pk: int):
    """Show a record, where its copies are on the shelf (nearest first) and the basket button."""
    record = get_object_or_404(Record.objects.select_related("document_type"), pk=pk)
    postcode_form = PostcodeForm(request.GET if "postcode" in request.GET else None)
    postcode_form.is_valid()
    position = position_from_request(request)
    branches = record_availability(record, position)
    return render(
        request,
        "catalog/record.html",
        {
            "record": record,
            "language_name": language_name(record.language) if record.language else "",
            "branches": branches,
            "copies_on_shelf": sum(branch.copies_on_shelf for branch in branches),
            "position": position,
            "postcode_form": postcode_form,
            "postcode_unknown": _postcode_unknown(postcode_form, position),
        },
    )


def _postcode_unknown(form: PostcodeForm, position) -> bool:
    """Return whether the patron typed a valid postcode that the network cannot place."""
    postcode = form.cleaned_data.get("postcode") if form.is_bound and form.is_valid() else ""
    return bool(postcode) and (position is None or position.source != "postcode")
