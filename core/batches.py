"""Change many rows a chunk at a time: short transactions, short locks, resumable."""

from django.db import transaction
from django.db.models import QuerySet

BATCH_SIZE = 1000


def update_in_batches(rows: QuerySet, *, batch_size: int = BATCH_SIZE, **changes) -> int:
    """Apply ``changes`` to every row of ``rows``, ``batch_size`` rows per transaction.

    ``rows`` must stop matching a row once it is changed (the loop re-reads it);
    rows locked by another transaction are left for the next run. Return how many changed.
    """
    changed = 0
    while True:
        with transaction.atomic():
            ids = list(
                rows.select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return changed
            changed += rows.model._default_manager.filter(pk__in=ids).update(**changes)
