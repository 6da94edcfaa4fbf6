"""A branch taking appointments and ready orders to book, at fixed times."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from reservations.models import ReservationStatus
from tests.factories import BranchFactory, ReservationFactory

PARIS = ZoneInfo("Europe/Paris")
# A Monday at noon; the branch opens every day, 10:00-19:00.
NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=PARIS)
TUESDAY_10 = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)
DEADLINE = datetime.datetime(2026, 12, 10, 19, 0, tzinfo=PARIS)


@pytest.fixture
def appointment_branch(db):
    return BranchFactory(
        appointments_enabled=True,
        slot_minutes=15,
        patrons_per_slot=4,
        hours=[(day, "10:00", "19:00") for day in range(7)],
    )


def ready_order(branch, **fields):
    """A ready order at the branch, waiting until DEADLINE."""
    fields.setdefault("ready_at", NOW - datetime.timedelta(hours=2))
    fields.setdefault("pickup_deadline", DEADLINE)
    return ReservationFactory(branch=branch, status=ReservationStatus.READY, **fields)
