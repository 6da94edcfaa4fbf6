"""Read queries of the catalogue's pages."""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from branches.geo import Position, by_distance
from branches.models import Branch

from .models import DocumentType, ItemStatus, Record


def record_availability(record: Record, position: Position | None) -> list[Branch]:
    """Return the click & collect branches holding a copy of the record (one query).

    Each branch has ``copies`` (all its copies of the record), ``copies_on_shelf``,
    ``call_number`` and ``distance_km`` (None when the position is unknown). They
    come nearest first when the position is known, else those with a copy on
    the shelf first, by name.
    """
    on_shelf = Q(items__record=record, items__status=ItemStatus.AVAILABLE)
    branches = (
        Branch.objects.click_and_collect()
        .filter(items__record=record)
        .annotate(
            copies=Count("items"),
            copies_on_shelf=Count("items", filter=on_shelf),
            # The shelf where a copy is now, else where the copies go back.
            call_number=Coalesce(
                Min("items__call_number", filter=on_shelf), Min("items__call_number")
            ),
        )
        .order_by("name")
    )
    branches = sorted(branches, key=lambda branch: branch.copies_on_shelf == 0)
    return by_distance(branches, position)


def search_filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Return the search form's document types and libraries, as (code, name) pairs.

    Every search page lists them, and asking the database for them cost a third of
    a page whose results come from the cache; they change a few times a year, so
    they are kept in the shared cache, per language, for SEARCH_RESULTS_CACHE_SECONDS
    (a library just opened to click & collect may take that long to appear there).
    """
    key = f"catalog:search-filters:{get_language()}"
    timeout = settings.SEARCH_RESULTS_CACHE_SECONDS
    if timeout > 0 and (choices := cache.get(key)) is not None:
        return choices
    choices = {
        "type": [(kind.code, kind.name) for kind in DocumentType.objects.order_by("code")],
        "branch": list(
            Branch.objects.click_and_collect().order_by("name").values_list("code", "name")
        ),
    }
    if timeout > 0:
        cache.set(key, choices, timeout)
    return choices
