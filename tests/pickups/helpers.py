"""Helpers of the patron-side pickup tests: a fixed clock, ready orders with documents, links."""

import time

import pytest
import time_machine as moving_clock

from pickups.links import make_token, pickup_path
from tests.factories import ReservationLineFactory
from tests.pickups.conftest import NOW, ready_order


@pytest.fixture
def clock(time_machine):
    """Stop the clock at NOW (Monday 30 November 2026, 12:00 in Paris)."""
    time_machine.move_to(NOW, tick=False)
    return NOW


def order_with_documents(branch, *titles, **fields):
    """A ready order at the branch with a picked copy of each title."""
    order = ready_order(branch, **fields)
    for title in titles or ("Le Petit Prince",):
        ReservationLineFactory(reservation=order, item__record__title=title, status="picked")
    return order


def token_made_days_ago(days: float, *, reservation_id: int, purpose: str) -> str:
    """Return a token signed `days` before the clock's time (the signer reads time.time)."""
    with moving_clock.travel(time.time() - days * 24 * 3600, tick=False):
        return make_token(reservation_id=reservation_id, purpose=purpose)


def path(order, purpose: str = "order") -> str:
    return pickup_path(order, purpose)


def page_text(response) -> str:
    return response.content.decode().replace("\N{NO-BREAK SPACE}", " ")
