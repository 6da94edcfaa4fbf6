"""A week of opening hours, grouped once (branches/hours.py) for the pages and e-mails."""

import datetime

from branches.hours import Days, hhmm, intervals_by_day, week
from tests.factories import unsaved_opening_hours as rows

T = datetime.time.fromisoformat
AFTERNOON = ((T("13:00"), T("19:00")),)


def test_consecutive_days_with_the_same_hours_are_merged_and_a_closed_day_breaks_a_run():
    hours = rows((1, "13:00", "19:00"), (2, "13:00", "19:00"), (4, "13:00", "19:00"))

    assert week(hours) == [
        Days(0, 0, ()),
        Days(1, 2, AFTERNOON),
        Days(3, 3, ()),
        Days(4, 4, AFTERNOON),
        Days(5, 6, ()),
    ]
    assert week(hours, closed_days=False) == [Days(1, 2, AFTERNOON), Days(4, 4, AFTERNOON)]


def test_a_day_s_intervals_come_in_order_whatever_the_rows_order():
    hours = rows((5, "14:00", "18:00"), (5, "10:00", "13:00"))

    saturday = intervals_by_day(hours)[5]

    assert [hhmm(interval) for interval in saturday] == ["10:00–13:00", "14:00–18:00"]
    assert intervals_by_day(hours)[6] == ()
