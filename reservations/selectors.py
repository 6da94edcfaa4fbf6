"""Read queries of the patron's pages, planned so that each page makes a constant number of them."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import pgettext_lazy

from branches.geo import Position, by_distance
from branches.hours import hhmm, week
from branches.models import Branch, OpeningHours
from catalog.models import Item, Record

from .models import (
    CampaignStatus,
    ExtensionChange,
    LineStatus,
    Loan,
    Reservation,
    ReservationLine,
    ReservationStatus,
)

# A line's status as the patron reads it (the model's labels are the librarians').
PATRON_LINE_STATUS = {
    LineStatus.ALLOCATED: pgettext_lazy("patron line status", "reserved for you"),
    LineStatus.PICKED: pgettext_lazy("patron line status", "set aside for you"),
    LineStatus.UNAVAILABLE: pgettext_lazy("patron line status", "unavailable"),
    LineStatus.COLLECTED: pgettext_lazy("patron line status", "collected"),
    LineStatus.RELEASED: pgettext_lazy("patron line status", "back on the shelf"),
}

# The steps of an order, in the patron's words.
STEP_LABELS = {
    ReservationStatus.SUBMITTED: pgettext_lazy("order step", "Received"),
    ReservationStatus.PREPARING: pgettext_lazy("order step", "Being prepared"),
    ReservationStatus.READY: pgettext_lazy("order step", "Ready for pickup"),
    ReservationStatus.COLLECTED: pgettext_lazy("order step", "Collected"),
    ReservationStatus.CANCELLED: pgettext_lazy("order step", "Cancelled"),
    ReservationStatus.EXPIRED: pgettext_lazy("order step", "Not collected in time"),
}
ORDER_PATH = (
    ReservationStatus.SUBMITTED,
    ReservationStatus.PREPARING,
    ReservationStatus.READY,
    ReservationStatus.COLLECTED,
)
STEP_TIMES = {
    ReservationStatus.SUBMITTED: "submitted_at",
    ReservationStatus.PREPARING: "preparing_at",
    ReservationStatus.READY: "ready_at",
    ReservationStatus.COLLECTED: "collected_at",
    ReservationStatus.CANCELLED: "cancelled_at",
    ReservationStatus.EXPIRED: "expired_at",
}


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    at: datetime.datetime | None
    # "done", "current" or "todo".
    state: str


# The basket -------------------------------------------------------------------------------------


def basket_records(record_ids: list[int]) -> list[Record]:
    """Return the basket's records that can still be reserved online, in the basket's order."""
    found = (
        Record.objects.select_related("document_type")
        .filter(document_type__reservable_online=True)
        .in_bulk(record_ids)
    )
    return [found[pk] for pk in record_ids if pk in found]


def record_for_basket(value) -> Record | None:
    """Return the record a posted id names, or None when it names none."""
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    return Record.objects.select_related("document_type").filter(pk=pk).first()


def pickup_branches(records: list[Record], position: Position | None) -> list[Branch]:
    """Return the click & collect branches, nearest first, with what each has of the records.

    Each branch gets `distance_km` (None when the position is unknown: then
    alphabetical order), `hours_summary` (a compact week, e.g. "Tue–Fri
    13:00–19:00, Sat 10:00–18:00"), `on_shelf` and `missing` (the records it
    has, and has not, on the shelf). Three queries whatever the numbers of
    branches and records: branches, their hours, the copies on the shelf.
    """
    branches = list(
        Branch.objects.click_and_collect()
        .prefetch_related(
            Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens_at"))
        )
        .order_by("name")
    )
    shelf: dict[int, set[int]] = defaultdict(set)
    if records and branches:
        pairs = (
            Item.objects.filter(
                record__in=[record.pk for record in records],
                status=Item.Status.AVAILABLE,
                branch__click_and_collect_enabled=True,
            )
            .order_by()
            .values_list("branch_id", "record_id")
            .distinct()
        )
        for branch_id, record_id in pairs:
            shelf[branch_id].add(record_id)
    for branch in branches:
        here = shelf.get(branch.pk, set())
        branch.on_shelf = [record for record in records if record.pk in here]
        branch.missing = [record for record in records if record.pk not in here]
        branch.hours_summary = opening_hours_summary(branch.opening_hours.all())
    return by_distance(branches, position)


def opening_hours_summary(hours) -> str:
    """Return a week of opening hours in a few words: "Tue–Fri 13:00–19:00, Sat 10:00–18:00".

    Consecutive days with the same hours are merged, a day's intervals are joined
    by " / ", days with no hours are left out.
    """
    parts = []
    for days in week(hours, closed_days=False):
        span = str(WEEKDAYS_ABBR[days.first])
        if days.last != days.first:
            span = f"{span}–{WEEKDAYS_ABBR[days.last]}"
        parts.append(f"{span} {' / '.join(hhmm(interval) for interval in days.intervals)}")
    return ", ".join(parts)


# Orders and loans -------------------------------------------------------------------------------


def patron_reservations(patron) -> QuerySet[Reservation]:
    """Return the patron's orders, newest first, with their branch and lines (two queries)."""
    return (
        Reservation.objects.filter(patron=patron)
        .select_related("branch")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ReservationLine.objects.select_related("record__document_type").order_by(
                    "record__title", "pk"
                ),
            )
        )
        .order_by("-submitted_at", "-pk")
    )


def patron_reservation(patron, reference: str) -> Reservation | None:
    """Return one of the patron's orders by its reference, or None (another's is none)."""
    return patron_reservations(patron).filter(reference=str(reference).strip().upper()[:12]).first()


def timeline(reservation: Reservation) -> list[Step]:
    """Return the steps of the order: those passed with their dates, the current one, the rest."""
    status = reservation.status
    if status in ORDER_PATH:
        reached = ORDER_PATH.index(status)
        path = ORDER_PATH
    else:
        # A cancelled or expired order: the steps it went through, then how it ended.
        passed = [
            step
            for step in ORDER_PATH[:-1]
            if step == ReservationStatus.SUBMITTED or getattr(reservation, STEP_TIMES[step])
        ]
        path = (*passed, status)
        reached = len(path) - 1
    return [
        Step(
            status=step,
            label=STEP_LABELS[step],
            at=getattr(reservation, STEP_TIMES[step]) if index <= reached else None,
            state="done" if index < reached else "current" if index == reached else "todo",
        )
        for index, step in enumerate(path)
    ]


def patron_line_status(line: ReservationLine) -> str:
    return PATRON_LINE_STATUS.get(line.status, line.get_status_display())


# A campaign's new dates are the patron's from its first batch until it is undone:
# at work, done, stopped by a failure or half undone, it has moved the dates shown.
SHOWN_CAMPAIGN_STATUSES = (
    CampaignStatus.RUNNING,
    CampaignStatus.DONE,
    CampaignStatus.FAILED,
    CampaignStatus.UNDOING,
)


def _shown_changes(**filters) -> QuerySet[ExtensionChange]:
    """Return the campaign changes the patron is shown, the latest campaign's first."""
    return ExtensionChange.objects.filter(
        campaign__status__in=SHOWN_CAMPAIGN_STATUSES, **filters
    ).order_by("-campaign__started_at", "-pk")


def current_loans(patron) -> list[Loan]:
    """Return the patron's loans not yet returned, the soonest due first, each with `overdue`.

    A loan whose current due date a campaign set also has `extension_old_date`
    (its due date before) and `extension_reason` (the campaign's); both are None
    otherwise. One query.
    """
    today = timezone.localdate()
    # Only a change whose new date is still the due date: a later renewal ends the mark.
    extension = _shown_changes(loan=OuterRef("pk"), new_date=OuterRef("due_on"))
    loans = list(
        Loan.objects.filter(patron=patron, returned_at__isnull=True)
        .select_related("item__record__document_type", "item__branch")
        .annotate(
            extension_old_date=Subquery(extension.values("old_date")[:1]),
            extension_reason=Subquery(extension.values("campaign__reason")[:1]),
        )
        .order_by("due_on", "item__record__title", "pk")
    )
    for loan in loans:
        loan.overdue = loan.due_on < today
    return loans


def membership_extension(patron) -> ExtensionChange | None:
    """Return the campaign change that set the patron's current membership end, with its campaign.

    None when no campaign shown to patrons set that date (or there is none).
    """
    if patron.membership_expires_on is None:
        return None
    return (
        _shown_changes(patron=patron, new_date=patron.membership_expires_on)
        .select_related("campaign")
        .first()
    )


# How many returned loans the page recalls, most recent first.
RETURNED_LOANS_SHOWN = 10


def returned_loans(patron) -> QuerySet[Loan]:
    """Return the patron's most recently returned loans."""
    return (
        Loan.objects.filter(patron=patron, returned_at__isnull=False)
        .select_related("item__record__document_type", "item__branch")
        .order_by("-returned_at", "-pk")[:RETURNED_LOANS_SHOWN]
    )


def order_of_submission(patron, submission_key: str) -> Reservation | None:
    """Return the order a checkout form placed (by its one-time key), or None."""
    if not submission_key or len(submission_key) > 64:
        return None
    return Reservation.objects.filter(patron=patron, submission_key=submission_key).first()
