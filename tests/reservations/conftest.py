"""Fixtures of the lifecycle tests: a branch, a patron, a librarian, documents, a clock.

Unless a test says otherwise, it is Wednesday 10 June 2026, 10:00 in Paris, and the branch is the
factory's: open Tuesday to Saturday 10:00-19:00, 24 h to prepare, 10 open days to collect.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reservations import services
from tests.factories import (
    BranchFactory,
    DocumentTypeFactory,
    ItemFactory,
    PatronFactory,
    RecordFactory,
    StaffFactory,
)

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


class Clock:
    """The wall clock, stopped at a moment the test sets (time-machine): every reader sees it.

    Services, views, signed links and the database rows written meanwhile all read
    this moment, whatever the real date or the suite's ``--clock``.
    """

    def __init__(self, time_machine, now: datetime) -> None:
        self._time_machine = time_machine
        self._stop_at(now)

    def _stop_at(self, moment: datetime) -> datetime:
        self.now = moment
        self._time_machine.move_to(moment, tick=False)
        return moment

    def set(self, *args: int) -> datetime:
        return self._stop_at(paris(*args))

    def advance(self, **kwargs) -> datetime:
        return self._stop_at(self.now + timedelta(**kwargs))


@pytest.fixture
def clock(time_machine) -> Clock:
    return Clock(time_machine, paris(2026, 6, 10, 10, 0))


@pytest.fixture
def branch(clock):
    return BranchFactory(name="Médiathèque Václav Havel", phone="01 40 38 65 40")


@pytest.fixture
def patron(clock):
    return PatronFactory(first_name="Camille", email="camille@example.org")


@pytest.fixture
def librarian(clock, branch):
    return StaffFactory(first_name="Dominique")


@pytest.fixture
def book(clock):
    return DocumentTypeFactory(code="book", loan_days=21, quarantine_days=3)


@pytest.fixture
def shelf(branch, book):
    """Return a function that puts `copies` copies of a new record on the branch's shelf."""

    def put(title: str | None = None, copies: int = 1, document_type=None, at=None):
        fields = {"document_type": document_type or book}
        if title:
            fields["title"] = title
        record = RecordFactory(**fields)
        for _ in range(copies):
            ItemFactory(record=record, branch=at or branch)
        return record

    return put


@pytest.fixture
def records(shelf):
    return [shelf() for _ in range(3)]


@pytest.fixture
def order(patron, branch, records):
    """A submitted order of three documents."""
    return services.submit_reservation(patron=patron, branch=branch, records=records)


def pick_all(reservation, by):
    for line in reservation.lines.select_related("item"):
        services.confirm_pick(line=line, barcode=line.item.barcode, by=by)


@pytest.fixture
def ready_order(order, librarian, clock):
    """The order, all picked, marked ready on Wednesday 10 June at 15:00."""
    clock.set(2026, 6, 10, 15, 0)
    pick_all(order, librarian)
    return services.mark_ready(reservation=order, by=librarian)
