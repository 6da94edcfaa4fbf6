"""Slot generation on the branch calendar: weeks, closures, public holidays, pickup hours, DST."""

import datetime
from collections import Counter

import pytest

from branches.models import PickupHours
from branches.slots import MAX_DAYS, pickup_slots
from tests.factories import BranchFactory, ClosureFactory
from tests.pickups.conftest import PARIS

pytestmark = pytest.mark.django_db


def paris(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


def days_of(slots) -> Counter:
    return Counter(slot.starts_at.astimezone(PARIS).date() for slot in slots)


def wall_clock(slots) -> list[str]:
    return [f"{slot.starts_at.astimezone(PARIS):%H:%M}" for slot in slots]


@pytest.fixture
def branch(db):
    """Open Tuesday to Saturday 10:00-19:00 (the factory's hours), one-hour slots."""
    return BranchFactory(appointments_enabled=True, slot_minutes=60)


class TestWeeks:
    def test_two_weeks_give_slots_on_open_days_only(self, branch):
        # Monday 1 June to Sunday 14 June 2026: no holiday.
        slots = pickup_slots(branch, after=paris(2026, 6, 1, 0, 0), until=paris(2026, 6, 15, 0, 0))

        per_day = days_of(slots)
        assert len(per_day) == 10
        assert set(per_day.values()) == {9}
        assert {day.weekday() for day in per_day} == {1, 2, 3, 4, 5}
        assert wall_clock(slots)[:9] == [f"{hour}:00" for hour in range(10, 19)]

    def test_slots_are_ordered_and_each_lasts_the_slot_length(self, branch):
        branch.slot_minutes = 20
        branch.save(update_fields=["slot_minutes"])

        slots = pickup_slots(branch, after=paris(2026, 6, 1, 0, 0), until=paris(2026, 6, 8, 0, 0))

        assert slots == sorted(slots)
        assert {slot.ends_at - slot.starts_at for slot in slots} == {datetime.timedelta(minutes=20)}
        # 10:00 to 19:00 holds 27 slots of 20 minutes.
        assert set(days_of(slots).values()) == {27}

    def test_a_slot_that_would_overrun_the_closing_time_is_not_cut(self, branch):
        branch.slot_minutes = 40
        branch.save(update_fields=["slot_minutes"])

        slots = pickup_slots(branch, after=paris(2026, 6, 2, 0, 0), until=paris(2026, 6, 3, 0, 0))

        assert wall_clock(slots)[-1] == "18:00"  # 18:40-19:20 would pass 19:00
        assert slots[-1].ends_at == paris(2026, 6, 2, 18, 40)

    def test_no_more_than_max_days_are_listed(self, branch):
        slots = pickup_slots(branch, after=paris(2026, 6, 1, 0, 0), until=paris(2027, 6, 1, 0, 0))

        last = max(days_of(slots))
        assert last <= datetime.date(2026, 6, 1) + datetime.timedelta(days=MAX_DAYS)


class TestClosedDays:
    def test_a_closure_has_no_slots(self, branch):
        ClosureFactory(
            branch=branch, starts_on=datetime.date(2026, 6, 3), ends_on=datetime.date(2026, 6, 4)
        )

        per_day = days_of(
            pickup_slots(branch, after=paris(2026, 6, 1, 0, 0), until=paris(2026, 6, 8, 0, 0))
        )

        assert datetime.date(2026, 6, 3) not in per_day
        assert datetime.date(2026, 6, 4) not in per_day
        assert len(per_day) == 3

    def test_another_branch_s_closure_does_not_count(self, branch):
        ClosureFactory(starts_on=datetime.date(2026, 6, 3), ends_on=datetime.date(2026, 6, 3))

        per_day = days_of(
            pickup_slots(branch, after=paris(2026, 6, 1, 0, 0), until=paris(2026, 6, 8, 0, 0))
        )

        assert datetime.date(2026, 6, 3) in per_day

    @pytest.mark.parametrize(
        "holiday",
        [
            datetime.date(2026, 7, 14),  # Tuesday, fête nationale
            datetime.date(2026, 11, 11),  # Wednesday, armistice
            datetime.date(2026, 12, 25),  # Friday, Christmas
        ],
    )
    def test_a_public_holiday_has_no_slots(self, branch, holiday):
        start = datetime.datetime.combine(holiday, datetime.time(0), tzinfo=PARIS)

        slots = pickup_slots(branch, after=start, until=start + datetime.timedelta(days=1))

        assert slots == []


class TestPickupHours:
    def test_pickup_hours_replace_the_opening_hours(self, branch):
        PickupHours.objects.create(
            branch=branch, weekday=2, starts_at=datetime.time(14), ends_at=datetime.time(16)
        )
        PickupHours.objects.create(
            branch=branch, weekday=2, starts_at=datetime.time(17), ends_at=datetime.time(18)
        )

        slots = pickup_slots(branch, after=paris(2026, 6, 1, 0, 0), until=paris(2026, 6, 8, 0, 0))

        # Only Wednesday 3 June, in its two intervals; the other open days take no appointment.
        assert set(days_of(slots)) == {datetime.date(2026, 6, 3)}
        assert wall_clock(slots) == ["14:00", "15:00", "17:00"]

    def test_pickup_hours_on_a_day_the_branch_is_closed_for_a_holiday_give_nothing(self, branch):
        PickupHours.objects.create(
            branch=branch, weekday=1, starts_at=datetime.time(9), ends_at=datetime.time(12)
        )

        slots = pickup_slots(branch, after=paris(2026, 7, 14, 0, 0), until=paris(2026, 7, 15, 0, 0))

        assert slots == []


class TestPastAndDeadline:
    def test_past_slots_and_the_slot_under_way_are_not_offered(self, branch):
        slots = pickup_slots(branch, after=paris(2026, 6, 2, 12, 30), until=paris(2026, 6, 3, 0, 0))

        assert wall_clock(slots) == ["13:00", "14:00", "15:00", "16:00", "17:00", "18:00"]

    def test_a_slot_starting_right_now_is_not_offered(self, branch):
        slots = pickup_slots(branch, after=paris(2026, 6, 2, 12, 0), until=paris(2026, 6, 3, 0, 0))

        assert wall_clock(slots)[0] == "13:00"

    def test_no_slot_ends_after_the_deadline(self, branch):
        slots = pickup_slots(branch, after=paris(2026, 6, 2, 0, 0), until=paris(2026, 6, 3, 15, 30))

        assert slots[-1].ends_at == paris(2026, 6, 3, 15, 0)
        assert all(slot.ends_at <= paris(2026, 6, 3, 15, 30) for slot in slots)

    def test_a_deadline_before_now_offers_nothing(self, branch):
        assert (
            pickup_slots(branch, after=paris(2026, 6, 3, 0, 0), until=paris(2026, 6, 2, 0, 0)) == []
        )

    def test_naive_datetimes_are_refused(self, branch):
        with pytest.raises(ValueError):
            pickup_slots(branch, after=datetime.datetime(2026, 6, 2), until=paris(2026, 6, 3, 0, 0))


class TestDaylightSavingTime:
    @pytest.fixture
    def every_day(self, db):
        return BranchFactory(
            appointments_enabled=True,
            slot_minutes=30,
            hours=[(day, "10:00", "12:00") for day in range(7)],
        )

    @pytest.mark.parametrize(
        ("before", "change", "offsets"),
        [
            # Last Sunday of October: 03:00 CEST becomes 02:00 CET.
            (datetime.date(2026, 10, 24), datetime.date(2026, 10, 25), (2, 1)),
            # Last Sunday of March: 02:00 CET becomes 03:00 CEST.
            (datetime.date(2026, 3, 28), datetime.date(2026, 3, 29), (1, 2)),
        ],
        ids=["october", "march"],
    )
    def test_slots_keep_their_wall_clock_time_across_the_change(
        self, every_day, before, change, offsets
    ):
        start = datetime.datetime.combine(before, datetime.time(0), tzinfo=PARIS)

        slots = pickup_slots(every_day, after=start, until=start + datetime.timedelta(days=2))

        by_day = {}
        for slot in slots:
            by_day.setdefault(slot.starts_at.astimezone(PARIS).date(), []).append(slot)
        assert (
            wall_clock(by_day[before])
            == wall_clock(by_day[change])
            == [
                "10:00",
                "10:30",
                "11:00",
                "11:30",
            ]
        )
        assert by_day[before][0].starts_at.utcoffset() == datetime.timedelta(hours=offsets[0])
        assert by_day[change][0].starts_at.utcoffset() == datetime.timedelta(hours=offsets[1])
        assert {slot.ends_at - slot.starts_at for slot in slots} == {datetime.timedelta(minutes=30)}

    def test_night_pickup_hours_across_the_spring_gap_give_real_distinct_slots(self, db):
        night = BranchFactory(
            appointments_enabled=True,
            slot_minutes=30,
            hours=[(day, "01:00", "04:00") for day in range(7)],
        )

        slots = pickup_slots(night, after=paris(2026, 3, 29, 0, 0), until=paris(2026, 3, 30, 0, 0))

        assert all(slot.ends_at > slot.starts_at for slot in slots)
        assert len({slot.starts_at for slot in slots}) == len(slots)
        # The clock jumps from 02:00 to 03:00: slots touching the gap are not offered.
        assert [slot.starts_at.astimezone(PARIS).strftime("%H:%M") for slot in slots] == [
            "01:00",
            "03:00",
            "03:30",
        ]
