"""Read queries of the staff board and of the pickup figures (slots of a day, no-show rate).

Each answers with a constant number of SQL queries, however many orders,
appointments or branches there are (checked in the tests). The board's
moment is "now" for today, the end of the day for a past day: an order is
late when its appointment ended before that moment without a hand-over, or
when its pickup deadline has passed.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone

from branches.models import Branch
from branches.slots import pickup_slots
from core.network_time import network_date, start_of_network_day
from pickups.models import Appointment, AppointmentStatus, PickupSlot
from reservations.models import OPEN_STATUSES, Reservation, ReservationStatus
from staff.access import staff_branches

NO_SHOW_DAYS = 30
ONE_DAY = datetime.timedelta(days=1)


def board_branches(user) -> list[Branch]:
    """Return the branches whose board the user may see, by name."""
    return list(staff_branches(user).order_by("name"))


@dataclass(frozen=True)
class SlotCount:
    """One slot of a day: how many patrons booked it out of how many it takes."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    booked: int
    capacity: int

    @property
    def is_full(self) -> bool:
        return self.booked >= self.capacity


@dataclass
class Board:
    """A branch's orders for one day, sorted into the board's sections."""

    branch: Branch
    day: datetime.date
    now: datetime.datetime
    to_prepare: list[Reservation] = field(default_factory=list)
    ready: list[Reservation] = field(default_factory=list)
    here: list[Reservation] = field(default_factory=list)
    handed_over: list[Reservation] = field(default_factory=list)
    late: list[Reservation] = field(default_factory=list)
    slots: list[SlotCount] = field(default_factory=list)

    @property
    def is_today(self) -> bool:
        return self.day == network_date(self.now)

    @property
    def unseen(self) -> int:
        """Return how many patrons here no one at the desk has acknowledged yet."""
        return sum(1 for order in self.here if order.board_arrival.seen_at is None)

    @property
    def latest_arrival_id(self) -> int:
        """Return the id of the newest arrival on the board (0 when none)."""
        return max((order.board_arrival.pk for order in self.here), default=0)


def _with_line_count(orders):
    return orders.annotate(line_count=Count("lines"))


def _arrival_of(order: Reservation):
    try:
        return order.arrival
    except ObjectDoesNotExist:
        return None


def board_for(branch: Branch, day: datetime.date, *, now: datetime.datetime | None = None) -> Board:
    """Return the board of a branch for a day (the caller checks the branch is the user's).

    Seven queries at most: the orders to prepare, the ready orders and their
    appointments, those handed over that day, and the day's slots (the
    branch's pickup and opening hours, its closures, the slots booked).
    """
    now = now or timezone.now()
    board = Board(branch=branch, day=day, now=now)
    starts, ends = start_of_network_day(day), start_of_network_day(day + ONE_DAY)
    moment = min(now, ends)
    orders = Reservation.objects.filter(branch=branch)

    board.to_prepare = list(
        _with_line_count(orders.filter(status__in=OPEN_STATUSES, processing_deadline__lt=ends))
        .select_related("patron", "prepared_by")
        .order_by("processing_deadline", "pk")
    )

    appointments = Appointment.objects.filter(
        Q(status=AppointmentStatus.BOOKED)
        | Q(status=AppointmentStatus.MISSED, slot__starts_at__gte=starts, slot__starts_at__lt=ends)
    ).select_related("slot")
    ready = (
        _with_line_count(orders.filter(status=ReservationStatus.READY))
        .select_related("patron", "arrival")
        .prefetch_related(Prefetch("appointments", appointments, to_attr="board_appointments"))
        .order_by("ready_at", "pk")
    )
    for order in ready:
        _sort_ready(board, order, starts=starts, ends=ends, moment=moment)
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    board.ready.sort(key=lambda o: o.appointment.slot.starts_at if o.appointment else far)
    board.here.sort(key=lambda o: o.board_arrival.arrived_at)
    board.late.sort(
        key=lambda o: o.appointment.slot.ends_at if o.appointment else o.pickup_deadline
    )

    board.handed_over = list(
        _with_line_count(
            orders.filter(
                status=ReservationStatus.COLLECTED, collected_at__gte=starts, collected_at__lt=ends
            )
        )
        .select_related("patron")
        .order_by("-collected_at", "-pk")
    )
    board.slots = slot_counts(branch, day) if branch.appointments_enabled else []
    return board


def _sort_ready(board: Board, order: Reservation, *, starts, ends, moment) -> None:
    """Put a ready order in its section: here, late, ready (or nowhere on another day)."""
    booked = next(
        (a for a in order.board_appointments if a.status == AppointmentStatus.BOOKED), None
    )
    missed = [a for a in order.board_appointments if a.status == AppointmentStatus.MISSED]
    order.appointment = booked or (missed[-1] if missed else None)
    arrival = _arrival_of(order)
    order.board_arrival = arrival
    if arrival is not None and starts <= arrival.arrived_at < ends:
        board.here.append(order)
        return
    booked_on_day = booked is not None and starts <= booked.slot.starts_at < ends
    ended = booked_on_day and booked.slot.ends_at <= moment
    # A missed appointment is late unless the patron has booked another one since.
    missed_only = bool(missed) and (booked is None or booked.slot.ends_at <= moment)
    past_deadline = order.pickup_deadline is not None and order.pickup_deadline <= moment
    if ended or missed_only or (board.is_today and past_deadline):
        board.late.append(order)
    elif board.is_today or booked_on_day:
        board.ready.append(order)


def slot_counts(branch: Branch, day: datetime.date) -> list[SlotCount]:
    """Return the branch's slots of the day with their bookings (four queries at most).

    Slots someone booked but the branch no longer offers (its hours changed)
    are listed too: their patrons are still coming.
    """
    starts, ends = start_of_network_day(day), start_of_network_day(day + ONE_DAY)
    offered = pickup_slots(branch, after=starts - datetime.timedelta(microseconds=1), until=ends)
    booked = {
        slot.starts_at: slot
        for slot in PickupSlot.objects.filter(
            branch=branch, starts_at__gte=starts, starts_at__lt=ends
        )
    }
    counts = {
        slot.starts_at: SlotCount(
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            booked=0,
            capacity=branch.patrons_per_slot,
        )
        for slot in offered
    }
    for starts_at, slot in booked.items():
        counts[starts_at] = SlotCount(
            starts_at=starts_at, ends_at=slot.ends_at, booked=slot.booked, capacity=slot.capacity
        )
    return [counts[key] for key in sorted(counts)]


@dataclass(frozen=True)
class NoShows:
    """Appointments that ended over a period: kept, or missed (the patron did not come)."""

    missed: int = 0
    kept: int = 0

    @property
    def rate(self) -> float | None:
        """Return missed / (missed + kept), or None when no appointment ended."""
        total = self.missed + self.kept
        return self.missed / total if total else None

    @property
    def percent(self) -> float | None:
        rate = self.rate
        return None if rate is None else round(rate * 100, 1)


def no_shows(
    branch_ids: list[int], *, now: datetime.datetime | None = None, days: int = NO_SHOW_DAYS
) -> dict[int, NoShows]:
    """Count, per branch, the appointments of the last `days` days kept and missed (one query).

    An appointment is kept when marked so, or when its order was handed over
    by the end of its slot (whatever its status says: the hand-over does not
    touch appointments); missed when marked missed and not handed over in
    time. Cancelled appointments and those not yet ended do not count.
    """
    now = now or timezone.now()
    came = Q(
        reservation__collected_at__isnull=False,
        reservation__collected_at__lte=F("slot__ends_at"),
    )
    rows = (
        Appointment.objects.filter(
            slot__branch_id__in=branch_ids,
            slot__ends_at__lte=now,
            slot__ends_at__gt=now - datetime.timedelta(days=days),
        )
        .order_by()
        .values("slot__branch_id")
        .annotate(
            kept=Count(
                "pk",
                filter=Q(status=AppointmentStatus.KEPT)
                | (Q(status__in=(AppointmentStatus.MISSED, AppointmentStatus.BOOKED)) & came),
            ),
            missed=Count("pk", filter=Q(status=AppointmentStatus.MISSED) & ~came),
        )
    )
    found = {
        row["slot__branch_id"]: NoShows(missed=row["missed"], kept=row["kept"]) for row in rows
    }
    return {branch_id: found.get(branch_id, NoShows()) for branch_id in branch_ids}


@dataclass(frozen=True)
class BranchPickups:
    """A branch's pickup figures for the dashboard: the day's booked slots and its no-shows."""

    branch: Branch
    slots: list[SlotCount]
    no_shows: NoShows


def pickup_figures(
    branches: list[Branch],
    day: datetime.date | None = None,
    *,
    now: datetime.datetime | None = None,
) -> list[BranchPickups]:
    """Return the figures of the branches taking appointments (two queries, none without any).

    Only the slots someone booked are listed here, for every branch at once;
    the board lists all of a branch's slots, booked or not.
    """
    now = now or timezone.now()
    day = day or network_date(now)
    branches = [branch for branch in branches if branch.appointments_enabled]
    if not branches:
        return []
    ids = [branch.pk for branch in branches]
    starts, ends = start_of_network_day(day), start_of_network_day(day + ONE_DAY)
    slots: dict[int, list[SlotCount]] = {branch_id: [] for branch_id in ids}
    for slot in PickupSlot.objects.filter(
        branch_id__in=ids, starts_at__gte=starts, starts_at__lt=ends, booked__gt=0
    ).order_by("starts_at"):
        slots[slot.branch_id].append(
            SlotCount(
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                booked=slot.booked,
                capacity=slot.capacity,
            )
        )
    rates = no_shows(ids, now=now)
    return [
        BranchPickups(branch=branch, slots=slots[branch.pk], no_shows=rates[branch.pk])
        for branch in branches
    ]
