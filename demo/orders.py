"""The demo's orders: a few at the staff's branch, one in each state the staff and patrons meet.

They are placed through the lifecycle services, each at a moment of the
branch's last open days before the seed runs (or an hour ago), so that on any
day the librarian finds a queue with an order to prepare, one waiting longer
and one half pulled, and the first patron an order ready to collect, with a
pickup deadline days ahead. The services date everything with the moment
they are given, as they would have at the time.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from accounts.models import User
from branches import calendar
from branches.models import Branch
from catalog.models import Item, Record
from core.network_time import network_date, network_timezone
from reservations import services
from reservations.models import Reservation

# The demo patrons who order, by their place in the card-number order (see people.py):
# the first two have valid memberships, the third and fourth ended ones.
READY_FOR, TO_PREPARE_FOR, WAITING_LONGER_FOR, BEING_PREPARED_FOR = 0, 1, 4, 5
DOCUMENTS_PER_ORDER = 2


@dataclass(frozen=True)
class DemoOrders:
    """What the seed placed, for its summary."""

    branch: str = ""
    by_status: tuple[tuple[str, int], ...] = ()


def place_demo_orders(
    *, branch: Branch | None, patron_ids: list[int], librarian: User, now: datetime.datetime
) -> DemoOrders:
    """Place the demo orders at the branch; none when it is missing or closed, or nobody orders."""
    if branch is None or not branch.click_and_collect_enabled:
        return DemoOrders()
    today = network_date(now)
    try:
        last_open, open_before = (calendar.open_day_before(branch, today, days) for days in (1, 2))
    except calendar.NoOpenDayError:
        return DemoOrders()
    patrons = User.objects.in_bulk(patron_ids[: BEING_PREPARED_FOR + 1])
    shelf = iter(_records_on_the_shelf(branch, count=4 * DOCUMENTS_PER_ORDER))
    placed: list[Reservation] = []

    def order(index: int, at: datetime.datetime) -> Reservation | None:
        patron = patrons.get(patron_ids[index]) if index < len(patron_ids) else None
        records = [record for _ in range(DOCUMENTS_PER_ORDER) if (record := next(shelf, None))]
        if patron is None or not records:
            return None
        reservation = services.submit_reservation(
            patron=patron, branch=branch, records=records, now=at
        )
        placed.append(reservation)
        return reservation

    ready = order(READY_FOR, _at(open_before, 15))
    if ready is not None:
        _pull(ready, librarian, count=DOCUMENTS_PER_ORDER, now=_at(last_open, 10))
        services.mark_ready(reservation=ready, by=librarian, now=_at(last_open, 10, 30))
    order(WAITING_LONGER_FOR, _at(open_before, 11))
    half = order(BEING_PREPARED_FOR, _at(last_open, 16))
    if half is not None:
        services.start_preparing(
            reservation=half, by=librarian, now=now - datetime.timedelta(minutes=30)
        )
        _pull(half, librarian, count=1, now=now - datetime.timedelta(minutes=25))
    order(TO_PREPARE_FOR, now - datetime.timedelta(hours=1))
    statuses = Counter(
        Reservation.objects.filter(pk__in=[r.pk for r in placed]).values_list("status", flat=True)
    )
    return DemoOrders(branch=branch.name, by_status=tuple(sorted(statuses.items())))


def _records_on_the_shelf(branch: Branch, *, count: int) -> list[Record]:
    """Return records with a copy on the shelf at the branch, in a stable order."""
    ids = (
        Item.objects.filter(branch=branch, status=Item.Status.AVAILABLE)
        .order_by("record_id")
        .values_list("record_id", flat=True)
        .distinct()[:count]
    )
    return list(Record.objects.filter(pk__in=list(ids)).order_by("pk"))


def _pull(reservation: Reservation, librarian: User, *, count: int, now: datetime.datetime):
    """Scan the first `count` copies of the order off the shelf, as the librarian would."""
    for line in reservation.lines.select_related("item").order_by("pk")[:count]:
        services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian, now=now)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=network_timezone())
