"""Read queries of the catalogue's pages."""

from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce

from branches.geo import Position, by_distance
from branches.models import Branch

from .models import ItemStatus, Record


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
