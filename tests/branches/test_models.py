import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import translation

from branches.models import Branch, Closure, OpeningHours
from tests.factories import BranchFactory, ClosureFactory, OpeningHoursFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", Decimal("90.5")), ("latitude", Decimal("-91")), ("longitude", Decimal("181"))],
)
def test_coordinates_out_of_range_are_refused_by_the_database(field, value):
    with pytest.raises(IntegrityError):
        BranchFactory(**{field: value})


def test_processing_time_other_than_24_or_48_hours_is_refused():
    with pytest.raises(IntegrityError):
        BranchFactory(processing_hours=36)


def test_pickup_window_of_zero_days_is_refused():
    with pytest.raises(IntegrityError):
        BranchFactory(pickup_days=0)


def test_opening_hours_that_close_before_they_open_are_refused():
    with pytest.raises(IntegrityError):
        OpeningHoursFactory(opens_at=datetime.time(18), closes_at=datetime.time(10))


def test_opening_hours_validation_explains_the_problem():
    hours = OpeningHoursFactory.build(
        branch=BranchFactory(hours=[]), opens_at=datetime.time(18), closes_at=datetime.time(10)
    )

    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            hours.full_clean()
        assert "The closing time must be after the opening time." in excinfo.value.messages


def test_weekday_outside_monday_to_sunday_is_refused():
    with pytest.raises(IntegrityError):
        OpeningHoursFactory(weekday=7)


def test_a_day_may_have_several_intervals():
    branch = BranchFactory(hours=[(1, "10:00", "12:30"), (1, "14:00", "19:00")])

    with translation.override("en"):
        assert [str(h) for h in branch.opening_hours.all()] == [
            "Tuesday 10:00–12:30",
            "Tuesday 14:00–19:00",
        ]


def test_closure_ending_before_it_starts_is_refused():
    with pytest.raises(IntegrityError):
        ClosureFactory(starts_on=datetime.date(2026, 12, 24), ends_on=datetime.date(2026, 12, 23))


def test_single_day_and_range_closures_read_well():
    one = ClosureFactory.build(starts_on=datetime.date(2026, 12, 24))
    many = ClosureFactory.build(
        starts_on=datetime.date(2026, 12, 24), ends_on=datetime.date(2027, 1, 2)
    )

    assert str(one) == "2026-12-24"
    assert str(many) == "2026-12-24 → 2027-01-02"


def test_click_and_collect_queryset_keeps_enabled_branches_only():
    on = BranchFactory(click_and_collect_enabled=True)
    BranchFactory(click_and_collect_enabled=False)

    assert list(Branch.objects.click_and_collect()) == [on]


def test_deleting_a_branch_deletes_its_hours_and_closures():
    branch = BranchFactory()
    ClosureFactory(branch=branch)

    branch.delete()

    assert not OpeningHours.objects.exists()
    assert not Closure.objects.exists()
