"""The demo's orders (demo/orders.py): one of each state at the staff's branch, any day."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification
from reservations.models import AuditEntry, Reservation, ReservationLine
from staff.selectors import queue_for

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SIX_PATRONS = {"records": 300, "patrons": 6, "seed": 7}


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, interactive=False, **options)
    return out.getvalue()


def orders_by_status() -> dict[str, Reservation]:
    return {order.status: order for order in Reservation.objects.select_related("patron")}


@pytest.mark.usefixtures("midday")
class TestTheDemoOrders:
    def test_the_staff_branch_has_one_to_prepare_one_waiting_longer_one_half_pulled_one_ready(
        self,
    ):
        output = seed(**SIX_PATRONS)

        librarian = User.objects.get(card_number="librarian")
        orders = Reservation.objects.order_by("submitted_at")
        assert {order.branch for order in orders} == {librarian.home_branch}
        assert [(order.patron.card_number, order.status) for order in orders] == [
            ("10000005", "submitted"),  # waiting since the day before the last open day
            ("10000001", "ready"),
            ("10000006", "preparing"),  # half pulled by the librarian
            ("10000002", "submitted"),  # an hour ago, in English
        ]
        assert f"4 orders at {librarian.home_branch.name}: 1 preparing, 1 ready, 2 submitted" in (
            output
        )
        queue = queue_for(librarian)
        assert {order.status for order in queue} == {"submitted", "preparing"}

    def test_the_ready_order_waits_days_ahead_and_its_patron_was_told(self):
        seed(**SIX_PATRONS)

        ready = orders_by_status()["ready"]
        now = timezone.now()
        assert ready.submitted_at < ready.ready_at < now < ready.pickup_deadline
        assert ready.pickup_deadline - now > datetime.timedelta(days=3)
        assert set(ready.lines.values_list("status", flat=True)) == {"picked"}
        assert set(
            Notification.objects.filter(recipient=ready.patron).values_list("kind", flat=True)
        ) == {"reservation_received", "reservation_ready"}

    def test_the_half_pulled_order_has_one_copy_picked_and_one_to_find(self):
        seed(**SIX_PATRONS)

        preparing = orders_by_status()["preparing"]
        assert preparing.prepared_by.card_number == "librarian"
        assert sorted(preparing.lines.values_list("status", flat=True)) == ["allocated", "picked"]

    def test_each_copy_of_an_order_is_held_for_it(self):
        seed(**SIX_PATRONS)

        held = set(
            ReservationLine.objects.filter(status__in=["allocated", "picked"]).values_list(
                "item__status", flat=True
            )
        )
        assert held == {"held"}

    def test_the_sign_in_table_says_who_has_an_order(self):
        output = seed(**SIX_PATRONS)

        first = next(line for line in output.splitlines() if "10000001" in line)
        second = next(line for line in output.splitlines() if "10000002" in line)
        assert first.rstrip().endswith("order ready")
        assert second.rstrip().endswith("order submitted")

    def test_without_patrons_there_is_no_order(self):
        output = seed(records=300, patrons=0, seed=7)

        assert not Reservation.objects.exists()
        assert " orders at " not in output


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2027, 9, 1, 9, 0, tzinfo=PARIS),  # the campaign's "since 1 September"
        datetime.datetime(2028, 2, 29, 18, 0, tzinfo=PARIS),  # a leap day
        datetime.datetime(2027, 3, 28, 3, 30, tzinfo=PARIS),  # the spring-forward Sunday
        datetime.datetime(2027, 10, 31, 2, 30, tzinfo=PARIS),  # the autumn hour, twice
        datetime.datetime(2028, 1, 1, 0, 10, tzinfo=PARIS),  # New Year's Day, just after midnight
        datetime.datetime(2027, 12, 25, 23, 50, tzinfo=PARIS),  # Christmas, closed, late
        datetime.datetime(2027, 12, 7, 7, 0, tzinfo=PARIS),  # a Tuesday before opening
    ],
    ids=str,
)
def test_on_any_day_the_demo_is_a_sensible_one(time_machine, moment):
    time_machine.move_to(moment, tick=True)

    output = seed(**SIX_PATRONS)

    now = timezone.now()
    today = timezone.localdate()
    orders = list(Reservation.objects.all())
    assert len(orders) == 4, output
    for order in orders:
        assert order.submitted_at < now
        assert order.processing_deadline > order.submitted_at
        assert order.patron.has_valid_membership(on=timezone.localdate(order.submitted_at))
    ready = orders_by_status()["ready"]
    assert ready.ready_at < now < ready.pickup_deadline
    assert not AuditEntry.objects.filter(at__gt=now).exists()
    assert not Notification.objects.filter(created_at__gt=now).exists()
    patrons = User.objects.filter(is_staff=False).order_by("card_number")
    ends = [patron.membership_expires_on for patron in patrons]
    assert ends[0] >= today and ends[1] >= today
    assert ends[2] < ends[3] < today  # long expired, then ended since 1 September
    assert "EXPIRED" in output
