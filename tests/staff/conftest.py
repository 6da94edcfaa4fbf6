"""The staff area's tests share the orders' fixtures and the pickups' appointment branch."""

from tests.pickups.conftest import appointment_branch  # noqa: F401
from tests.reservations.conftest import (  # noqa: F401
    book,
    branch,
    clock,
    librarian,
    order,
    patron,
    ready_order,
    records,
    shelf,
)
