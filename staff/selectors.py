"""Read queries of the queue, pull list and preparation pages.

Each returns a planned queryset: a page built from it makes the same number of
SQL queries whether it shows one order or fifty (checked in the tests).
"""

from django.db.models import Count, Prefetch, QuerySet

from branches.models import Branch
from reservations.models import OPEN_STATUSES, LineStatus, Reservation, ReservationLine

from .access import reservations_for_staff, staff_branches

# Orders still to be worked on by the librarians.


def _lines_prefetch() -> Prefetch:
    """Prefetch the order's lines with their record and copy, shelf order, in one query."""
    return Prefetch(
        "lines",
        queryset=ReservationLine.objects.select_related("record", "item").order_by(
            "item__call_number", "record__title", "pk"
        ),
    )


def _open_orders(user, branch_id: int | None = None) -> QuerySet[Reservation]:
    orders = reservations_for_staff(user).filter(status__in=OPEN_STATUSES)
    if branch_id is not None:
        orders = orders.filter(branch_id=branch_id)
    return orders


def queue_for(user, branch_id: int | None = None, status: str | None = None):
    """Return the open orders of the user's branches, oldest processing deadline first.

    `branch_id` must be one of the user's branches (the caller checks it; another
    branch's id still returns none of that branch's orders); `status` is
    "submitted" or "preparing".
    """
    orders = _open_orders(user, branch_id)
    if status in OPEN_STATUSES:
        orders = orders.filter(status=status)
    return (
        orders.select_related("patron", "branch", "prepared_by")
        .prefetch_related(_lines_prefetch())
        .order_by("processing_deadline", "pk")
    )


def queue_counts(user, branch_id: int | None = None) -> dict[str, int]:
    """Return how many open orders of the user's branches are in each status, in one query."""
    rows = (
        _open_orders(user, branch_id)
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    counts = dict.fromkeys(OPEN_STATUSES, 0)
    counts.update(rows)
    return counts


def pull_list_for(user, branch: Branch) -> QuerySet[ReservationLine]:
    """Return every copy to pull from the branch's shelves for its open orders, by shelf.

    Empty when the branch is not one of the user's.
    """
    return (
        ReservationLine.objects.filter(
            status=LineStatus.ALLOCATED,
            reservation__in=reservations_for_staff(user).filter(
                branch=branch, status__in=OPEN_STATUSES
            ),
        )
        .select_related("record", "item", "reservation")
        .order_by("item__call_number", "record__title", "reservation__processing_deadline", "pk")
    )


def pull_line_for(user, branch: Branch, barcode: str) -> ReservationLine | None:
    """Return the line of the branch's open orders holding the copy with this barcode."""
    return (
        ReservationLine.objects.filter(
            status__in=(LineStatus.ALLOCATED, LineStatus.PICKED),
            item__barcode=barcode,
            reservation__in=reservations_for_staff(user).filter(
                branch=branch, status__in=OPEN_STATUSES
            ),
        )
        .select_related("record", "item", "reservation")
        .first()
    )


def order_to_prepare(user, reference: str) -> Reservation | None:
    """Return one of the user's branches' orders with its lines, or None."""
    return (
        reservations_for_staff(user)
        .select_related("patron", "branch", "prepared_by")
        .prefetch_related(_lines_prefetch())
        .filter(reference=reference)
        .first()
    )


def branches_for(user) -> QuerySet[Branch]:
    """Return the branches the user may filter on, by name."""
    return staff_branches(user).order_by("name")
