"""The branch calendar: open days, processing deadlines and pickup deadlines.

Unless a test says otherwise the branch is the factory's: open Tuesday to Saturday, 10:00-19:00.
Every date below was checked against its weekday (and python-holidays) when written.
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.utils import timezone, translation

from branches.calendar import (
    NoOpenDayError,
    is_open_day,
    open_day_before,
    open_days,
    pickup_deadline,
    processing_deadline,
)
from branches.models import Branch
from tests.factories import BranchFactory, ClosureFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
EVERY_DAY = [(weekday, "10:00", "19:00") for weekday in range(7)]
MONDAY_TO_SATURDAY = [(weekday, "10:00", "19:00") for weekday in range(6)]
MONDAY_TO_FRIDAY = [(weekday, "09:00", "18:00") for weekday in range(5)]


def paris(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=PARIS, fold=fold)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def branch() -> Branch:
    return BranchFactory()


@pytest.fixture
def seven_day_branch() -> Branch:
    return BranchFactory(hours=EVERY_DAY)


# Open days ---------------------------------------------------------------------------------------


class TestIsOpenDay:
    def test_weekday_with_opening_hours_is_open(self, branch):
        assert is_open_day(branch, date(2026, 6, 10))  # Wednesday

    def test_weekday_without_opening_hours_is_closed(self, branch):
        assert not is_open_day(branch, date(2026, 6, 14))  # Sunday
        assert not is_open_day(branch, date(2026, 6, 15))  # Monday

    def test_public_holiday_on_an_open_weekday_is_closed(self, branch):
        assert not is_open_day(branch, date(2026, 7, 14))  # Tuesday, national day

    def test_every_day_of_a_closure_is_closed_including_both_ends(self, branch):
        ClosureFactory(branch=branch, starts_on=date(2026, 6, 17), ends_on=date(2026, 6, 19))

        assert is_open_day(branch, date(2026, 6, 16))
        assert not is_open_day(branch, date(2026, 6, 17))
        assert not is_open_day(branch, date(2026, 6, 18))
        assert not is_open_day(branch, date(2026, 6, 19))
        assert is_open_day(branch, date(2026, 6, 20))

    def test_closure_of_another_branch_does_not_close_this_one(self, branch):
        ClosureFactory(starts_on=date(2026, 6, 17), ends_on=date(2026, 6, 19))

        assert is_open_day(branch, date(2026, 6, 18))

    def test_branch_without_opening_hours_is_never_open(self):
        assert not is_open_day(BranchFactory(hours=[]), date(2026, 6, 10))


class TestOpenDays:
    def test_lists_open_days_from_the_start_day_included(self, branch):
        assert open_days(branch, date(2026, 6, 12), 4) == [
            date(2026, 6, 12),  # Friday
            date(2026, 6, 13),  # Saturday
            date(2026, 6, 16),  # Tuesday
            date(2026, 6, 17),  # Wednesday
        ]

    def test_skips_holidays_and_closures(self, branch):
        ClosureFactory(branch=branch, starts_on=date(2026, 7, 15), ends_on=date(2026, 7, 15))

        assert open_days(branch, date(2026, 7, 11), 2) == [
            date(2026, 7, 11),  # Saturday; 14 July (Tuesday) is a holiday, 15 July closed
            date(2026, 7, 16),  # Thursday
        ]

    def test_count_must_be_at_least_one(self, branch):
        with pytest.raises(ValueError, match="count"):
            open_days(branch, date(2026, 6, 10), 0)


class TestOpenDayBefore:
    def test_counts_back_from_the_day_before(self, branch):
        # Saturday 13 June: Friday 12 is the first open day before, Thursday 11 the second.
        assert open_day_before(branch, date(2026, 6, 13), 1) == date(2026, 6, 12)
        assert open_day_before(branch, date(2026, 6, 13), 2) == date(2026, 6, 11)

    def test_the_day_itself_never_counts(self, branch):
        assert open_day_before(branch, date(2026, 6, 10), 1) == date(2026, 6, 9)

    def test_skips_closed_weekdays_holidays_and_closures_backwards(self, branch):
        ClosureFactory(branch=branch, starts_on=date(2026, 7, 15), ends_on=date(2026, 7, 15))

        # From Thursday 16 July: 15 closed, 14 national day, 13 and 12 closed weekdays.
        assert open_day_before(branch, date(2026, 7, 16), 1) == date(2026, 7, 11)
        assert open_day_before(branch, date(2026, 7, 16), 2) == date(2026, 7, 10)

    def test_count_must_be_at_least_one(self, branch):
        with pytest.raises(ValueError, match="count"):
            open_day_before(branch, date(2026, 6, 10), 0)

    def test_branch_never_open_raises_instead_of_searching_forever(self):
        with pytest.raises(NoOpenDayError):
            open_day_before(BranchFactory(hours=[]), date(2026, 6, 10), 1)

    def test_costs_two_queries(self, branch, django_assert_num_queries):
        with django_assert_num_queries(2):
            open_day_before(branch, date(2026, 6, 13), 2)


# Processing deadline: ordinary weeks --------------------------------------------------------------


class TestProcessingDeadline:
    def test_wednesday_order_with_24_hours_is_due_thursday_at_the_same_time(self, branch):
        assert processing_deadline(branch, paris(2026, 6, 10, 14, 0), 24) == paris(
            2026, 6, 11, 14, 0
        )

    def test_wednesday_order_with_48_hours_is_due_friday_at_the_same_time(self, branch):
        assert processing_deadline(branch, paris(2026, 6, 10, 14, 0), 48) == paris(
            2026, 6, 12, 14, 0
        )

    def test_hours_default_to_the_branch_processing_time(self):
        branch = BranchFactory(processing_hours=48)

        assert processing_deadline(branch, paris(2026, 6, 10, 14, 0)) == paris(2026, 6, 12, 14, 0)

    def test_saturday_order_on_tuesday_to_saturday_branch_is_due_tuesday(self, branch):
        assert processing_deadline(branch, paris(2026, 6, 13, 18, 30), 24) == paris(
            2026, 6, 16, 18, 30
        )

    def test_saturday_order_with_48_hours_is_due_wednesday(self, branch):
        assert processing_deadline(branch, paris(2026, 6, 13, 18, 30), 48) == paris(
            2026, 6, 17, 18, 30
        )

    def test_friday_order_with_48_hours_skips_sunday_and_monday(self, branch):
        assert processing_deadline(branch, paris(2026, 6, 12, 15, 0), 48) == paris(
            2026, 6, 16, 15, 0
        )

    def test_saturday_order_just_before_midnight_is_due_tuesday_just_before_midnight(self, branch):
        assert processing_deadline(branch, paris(2026, 6, 13, 23, 59), 24) == paris(
            2026, 6, 16, 23, 59
        )

    def test_order_at_midnight_of_an_open_day_is_due_at_the_next_midnight(self, branch):
        assert processing_deadline(branch, paris(2026, 6, 10, 0, 0), 24) == paris(2026, 6, 11)

    def test_sunday_order_counts_from_tuesday_midnight(self, branch):
        # The whole of Tuesday counts: the deadline is the end of Tuesday, i.e. Wednesday 00:00.
        assert processing_deadline(branch, paris(2026, 6, 14, 10, 0), 24) == paris(2026, 6, 17)

    def test_sunday_order_with_48_hours_is_due_at_the_end_of_wednesday(self, branch):
        assert processing_deadline(branch, paris(2026, 6, 14, 10, 0), 48) == paris(2026, 6, 18)

    def test_monday_order_late_in_the_evening_still_counts_from_tuesday_midnight(self, branch):
        assert processing_deadline(branch, paris(2026, 6, 15, 23, 59), 24) == paris(2026, 6, 17)

    def test_deadline_ending_an_open_day_before_closed_days_is_the_next_midnight(self, branch):
        # Friday 00:00 + 48 h ends exactly with Saturday: midnight, not Tuesday.
        assert processing_deadline(branch, paris(2026, 6, 12, 0, 0), 48) == paris(2026, 6, 14)

    def test_minutes_and_seconds_are_kept(self, branch):
        start = paris(2026, 6, 10, 14, 7, 33, 250)

        assert processing_deadline(branch, start, 24) == paris(2026, 6, 11, 14, 7, 33, 250)

    def test_deadline_is_expressed_in_paris_time(self, branch):
        deadline = processing_deadline(branch, utc(2026, 6, 10, 12, 0), 24)

        assert deadline.tzinfo == PARIS
        assert deadline == paris(2026, 6, 11, 14, 0)

    def test_branch_open_every_day_counts_sunday_and_monday(self, seven_day_branch):
        assert processing_deadline(seven_day_branch, paris(2026, 6, 13, 15, 0), 24) == paris(
            2026, 6, 14, 15, 0
        )
        assert processing_deadline(seven_day_branch, paris(2026, 6, 13, 15, 0), 48) == paris(
            2026, 6, 15, 15, 0
        )

    def test_lunch_break_does_not_change_the_processing_deadline(self):
        branch = BranchFactory(hours=[(2, "10:00", "12:30"), (2, "14:00", "18:00")])  # Wednesday

        # Only Wednesdays are open: a Wednesday order is due the next Wednesday.
        assert processing_deadline(branch, paris(2026, 6, 10, 13, 0), 24) == paris(
            2026, 6, 17, 13, 0
        )


# Processing deadline: public holidays -------------------------------------------------------------


class TestProcessingDeadlineAroundPublicHolidays:
    def test_labour_day_on_a_friday_is_skipped(self, branch):
        # Thursday 30 April 2026 -> Friday 1 May is a holiday -> Saturday 2 May.
        assert processing_deadline(branch, paris(2026, 4, 30, 14, 0), 24) == paris(
            2026, 5, 2, 14, 0
        )

    def test_national_day_on_a_tuesday_adds_to_the_weekly_closing_days(self, branch):
        # Saturday 11 July -> Sunday, Monday closed, Tuesday 14 July holiday -> Wednesday.
        assert processing_deadline(branch, paris(2026, 7, 11, 15, 0), 24) == paris(
            2026, 7, 15, 15, 0
        )

    def test_armistice_day_on_a_wednesday_is_skipped(self, branch):
        assert processing_deadline(branch, paris(2026, 11, 10, 10, 0), 24) == paris(
            2026, 11, 12, 10, 0
        )

    def test_ascension_thursday_is_skipped_with_48_hours(self, branch):
        # Wednesday 13 May 12:00: 12 h on Wednesday, Thursday 14 May holiday, 24 h on Friday,
        # the last 12 h on Saturday.
        assert processing_deadline(branch, paris(2026, 5, 13, 12, 0), 48) == paris(
            2026, 5, 16, 12, 0
        )

    def test_pentecost_monday_delays_a_branch_open_on_mondays(self):
        branch = BranchFactory(hours=MONDAY_TO_SATURDAY)

        # Saturday 23 May -> Sunday closed, Monday 25 May holiday -> Tuesday.
        assert processing_deadline(branch, paris(2026, 5, 23, 15, 0), 24) == paris(
            2026, 5, 26, 15, 0
        )

    def test_pentecost_monday_changes_nothing_when_mondays_are_closed(self, branch):
        assert processing_deadline(branch, paris(2026, 5, 23, 15, 0), 24) == paris(
            2026, 5, 26, 15, 0
        )

    def test_easter_monday_2027_is_skipped(self):
        branch = BranchFactory(hours=MONDAY_TO_FRIDAY)

        # Friday 26 March 2027 -> weekend, Monday 29 March Easter Monday -> Tuesday 30 March.
        assert processing_deadline(branch, paris(2027, 3, 26, 16, 0), 24) == paris(
            2027, 3, 30, 16, 0
        )

    def test_holiday_on_a_closed_weekday_adds_no_delay(self, branch):
        # Sunday 1 November 2026 (All Saints) falls on a weekly closing day.
        assert processing_deadline(branch, paris(2026, 10, 31, 15, 0), 24) == paris(
            2026, 11, 3, 15, 0
        )

    def test_holiday_on_a_sunday_delays_a_branch_open_on_sundays(self, seven_day_branch):
        assert processing_deadline(seven_day_branch, paris(2026, 10, 31, 15, 0), 24) == paris(
            2026, 11, 2, 15, 0
        )

    def test_assumption_on_a_saturday_pushes_friday_orders_to_tuesday(self, branch):
        assert processing_deadline(branch, paris(2026, 8, 14, 15, 0), 24) == paris(
            2026, 8, 18, 15, 0
        )

    def test_order_on_a_holiday_counts_from_the_next_open_day(self, branch):
        # Placed on 14 July (a Tuesday holiday): Wednesday counts in full.
        assert processing_deadline(branch, paris(2026, 7, 14, 11, 0), 24) == paris(2026, 7, 16)

    def test_christmas_and_new_year_on_fridays_are_both_skipped(self, branch):
        assert processing_deadline(branch, paris(2026, 12, 24, 15, 0), 24) == paris(
            2026, 12, 26, 15, 0
        )
        assert processing_deadline(branch, paris(2026, 12, 31, 15, 0), 24) == paris(
            2027, 1, 2, 15, 0
        )


class TestPublicHolidaySubdivision:
    def test_moselle_is_the_only_difference_checked_here(self):
        # Guard for the two tests below: these are the 2026 dates that differ for Moselle.
        national = holidays.country_holidays("FR", years=2026)
        moselle = holidays.country_holidays("FR", subdiv="57", years=2026)

        assert sorted(set(moselle) - set(national)) == [date(2026, 4, 3), date(2026, 12, 26)]

    def test_saint_stephen_is_a_working_day_by_default(self, branch):
        assert is_open_day(branch, date(2026, 12, 26))
        assert processing_deadline(branch, paris(2026, 12, 24, 15, 0), 24) == paris(
            2026, 12, 26, 15, 0
        )

    def test_saint_stephen_is_a_holiday_in_moselle(self, branch, settings):
        settings.PUBLIC_HOLIDAYS_SUBDIVISION = "57"

        assert not is_open_day(branch, date(2026, 12, 26))
        # Friday 25 and Saturday 26 December are holidays, then Sunday and Monday are closed.
        assert processing_deadline(branch, paris(2026, 12, 24, 15, 0), 24) == paris(
            2026, 12, 29, 15, 0
        )

    def test_good_friday_is_a_holiday_in_moselle_only(self, branch, settings):
        start = paris(2026, 4, 2, 15, 0)  # Thursday before Good Friday

        assert processing_deadline(branch, start, 24) == paris(2026, 4, 3, 15, 0)
        settings.PUBLIC_HOLIDAYS_SUBDIVISION = "57"
        assert processing_deadline(branch, start, 24) == paris(2026, 4, 4, 15, 0)

    def test_empty_subdivision_means_the_national_calendar(self, branch, settings):
        settings.PUBLIC_HOLIDAYS_SUBDIVISION = ""

        assert is_open_day(branch, date(2026, 12, 26))


# Processing deadline: closures --------------------------------------------------------------------


class TestProcessingDeadlineAroundClosures:
    def test_closure_of_several_days_is_skipped(self, branch):
        ClosureFactory(branch=branch, starts_on=date(2026, 6, 17), ends_on=date(2026, 6, 19))

        assert processing_deadline(branch, paris(2026, 6, 16, 11, 0), 24) == paris(
            2026, 6, 20, 11, 0
        )

    def test_adjacent_closures_are_skipped_together(self, branch):
        ClosureFactory(branch=branch, starts_on=date(2026, 6, 17), ends_on=date(2026, 6, 18))
        ClosureFactory(branch=branch, starts_on=date(2026, 6, 19), ends_on=date(2026, 6, 20))

        assert processing_deadline(branch, paris(2026, 6, 16, 11, 0), 24) == paris(
            2026, 6, 23, 11, 0
        )

    def test_overlapping_closures_are_skipped_together(self, branch):
        ClosureFactory(branch=branch, starts_on=date(2026, 6, 17), ends_on=date(2026, 6, 19))
        ClosureFactory(branch=branch, starts_on=date(2026, 6, 18), ends_on=date(2026, 6, 20))

        assert processing_deadline(branch, paris(2026, 6, 16, 11, 0), 24) == paris(
            2026, 6, 23, 11, 0
        )

    def test_closure_overlapping_a_holiday_is_skipped_with_it(self, branch):
        # Closed Friday 10 to Monday 13 July, then Tuesday 14 July is a holiday.
        ClosureFactory(branch=branch, starts_on=date(2026, 7, 10), ends_on=date(2026, 7, 14))

        assert processing_deadline(branch, paris(2026, 7, 9, 15, 0), 24) == paris(
            2026, 7, 15, 15, 0
        )

    def test_closure_started_before_the_order_counts_from_the_reopening(self, branch):
        ClosureFactory(branch=branch, starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 12))

        # Ordered on Wednesday 10 June during the closure: Saturday 13 June counts in full.
        assert processing_deadline(branch, paris(2026, 6, 10, 9, 0), 24) == paris(2026, 6, 14)

    def test_closure_ended_the_day_before_changes_nothing(self, branch):
        ClosureFactory(branch=branch, starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 9))

        assert processing_deadline(branch, paris(2026, 6, 10, 14, 0), 24) == paris(
            2026, 6, 11, 14, 0
        )

    def test_closure_of_another_branch_changes_nothing(self, branch):
        ClosureFactory(starts_on=date(2026, 6, 11), ends_on=date(2026, 6, 11))

        assert processing_deadline(branch, paris(2026, 6, 10, 14, 0), 24) == paris(
            2026, 6, 11, 14, 0
        )

    def test_closure_of_almost_a_year_is_waited_out(self, branch):
        # Closed from Sunday 1 February to Thursday 31 December 2026; 1 January is a holiday.
        ClosureFactory(branch=branch, starts_on=date(2026, 2, 1), ends_on=date(2026, 12, 31))

        assert processing_deadline(branch, paris(2026, 2, 3, 10, 0), 24) == paris(2027, 1, 3)


# Processing deadline: summer time -----------------------------------------------------------------


class TestProcessingDeadlineAcrossDaylightSavingTime:
    def test_spring_forward_keeps_the_wall_clock_time(self, seven_day_branch):
        # Saturday 28 March 2026 15:00 (UTC+1) -> Sunday 29 March 15:00 (UTC+2): 23 h elapse.
        deadline = processing_deadline(seven_day_branch, paris(2026, 3, 28, 15, 0), 24)

        assert deadline.astimezone(UTC) == utc(2026, 3, 29, 13, 0)
        assert (deadline.hour, deadline.minute) == (15, 0)

    def test_fall_back_keeps_the_wall_clock_time(self, seven_day_branch):
        # Saturday 24 October 2026 15:00 (UTC+2) -> Sunday 25 October 15:00 (UTC+1): 25 h elapse.
        deadline = processing_deadline(seven_day_branch, paris(2026, 10, 24, 15, 0), 24)

        assert deadline.astimezone(UTC) == utc(2026, 10, 25, 14, 0)
        assert (deadline.hour, deadline.minute) == (15, 0)

    def test_deadline_in_the_spring_gap_moves_to_summer_time(self, seven_day_branch):
        # 02:30 on 29 March 2026 does not exist: read with the winter offset it is 03:30 CEST.
        deadline = processing_deadline(seven_day_branch, paris(2026, 3, 28, 2, 30), 24)

        assert deadline.astimezone(UTC) == utc(2026, 3, 29, 1, 30)
        assert (deadline.hour, deadline.minute) == (3, 30)
        assert deadline.utcoffset() == timedelta(hours=2)

    def test_ambiguous_deadline_is_the_first_occurrence(self, seven_day_branch):
        # 02:30 happens twice on 25 October 2026; the first one is still summer time (UTC+2).
        deadline = processing_deadline(seven_day_branch, paris(2026, 10, 24, 2, 30), 24)

        assert deadline.astimezone(UTC) == utc(2026, 10, 25, 0, 30)
        assert deadline.utcoffset() == timedelta(hours=2)

    def test_start_in_the_spring_gap_is_read_as_summer_time(self, seven_day_branch):
        # An aware 02:30 on 29 March is the instant 01:30 UTC, shown as 03:30 summer time.
        deadline = processing_deadline(seven_day_branch, paris(2026, 3, 29, 2, 30), 24)

        assert deadline.astimezone(UTC) == utc(2026, 3, 30, 1, 30)
        assert (deadline.hour, deadline.minute) == (3, 30)

    def test_start_in_the_spring_gap_is_the_same_instant_given_in_utc(self, seven_day_branch):
        in_the_gap = processing_deadline(seven_day_branch, paris(2026, 3, 29, 2, 30), 24)
        in_utc = processing_deadline(seven_day_branch, utc(2026, 3, 29, 1, 30), 24)

        assert in_the_gap.astimezone(UTC) == in_utc.astimezone(UTC)

    @pytest.mark.parametrize("fold", [0, 1], ids=["first-02:30", "second-02:30"])
    def test_both_ambiguous_starts_are_due_at_the_same_wall_clock_time(
        self, seven_day_branch, fold
    ):
        deadline = processing_deadline(seven_day_branch, paris(2026, 10, 25, 2, 30, fold=fold), 24)

        assert deadline.astimezone(UTC) == utc(2026, 10, 26, 1, 30)  # Monday 02:30, UTC+1

    def test_dst_change_on_a_closed_sunday_keeps_the_wall_clock_time(self, branch):
        # Saturday 28 March 15:00 (UTC+1) -> Tuesday 31 March 15:00 (UTC+2).
        deadline = processing_deadline(branch, paris(2026, 3, 28, 15, 0), 24)

        assert deadline.astimezone(UTC) == utc(2026, 3, 31, 13, 0)

    def test_midnight_deadlines_on_dst_days_are_real_midnights(self, seven_day_branch):
        # Both DST days count 24 wall-clock hours, like any other day.
        spring = processing_deadline(seven_day_branch, paris(2026, 3, 29, 0, 0), 24)
        autumn = processing_deadline(seven_day_branch, paris(2026, 10, 25, 0, 0), 24)

        assert spring.astimezone(UTC) == utc(2026, 3, 29, 22, 0)
        assert autumn.astimezone(UTC) == utc(2026, 10, 25, 23, 0)


# Processing deadline: where the day starts --------------------------------------------------------


class TestLocalDate:
    def test_saturday_2330_utc_is_already_sunday_in_paris(self, branch):
        # 22:30 UTC on Saturday 13 June is 00:30 on Sunday in Paris: a closed day.
        assert processing_deadline(branch, utc(2026, 6, 13, 22, 30), 24) == paris(2026, 6, 17)

    def test_saturday_2130_utc_is_still_saturday_in_paris(self, branch):
        # 23:30 in Paris: half an hour counts on Saturday, 23.5 h on Tuesday.
        assert processing_deadline(branch, utc(2026, 6, 13, 21, 30), 24) == paris(
            2026, 6, 16, 23, 30
        )

    def test_winter_2330_utc_is_the_next_day_in_paris(self, branch):
        # 23:30 UTC on Friday 4 December is 00:30 on Saturday in Paris (UTC+1).
        assert processing_deadline(branch, utc(2026, 12, 4, 23, 30), 24) == paris(
            2026, 12, 8, 0, 30
        )

    def test_ready_at_2330_utc_counts_pickup_days_from_the_paris_date(self, branch):
        # 23:30 UTC on Wednesday 10 June is Thursday 01:30 in Paris: day one is Friday.
        assert pickup_deadline(branch, utc(2026, 6, 10, 23, 30), 1) == paris(2026, 6, 12, 19, 0)

    def test_the_current_users_timezone_does_not_matter(self, branch):
        with timezone.override(ZoneInfo("America/New_York")):
            assert processing_deadline(branch, utc(2026, 6, 13, 22, 30), 24) == paris(2026, 6, 17)


# Pickup deadline ----------------------------------------------------------------------------------


class TestPickupDeadline:
    def test_is_the_closing_time_of_the_nth_open_day_after_ready(self, branch):
        # Ready Wednesday 10 June: Thursday, Friday, Saturday.
        assert pickup_deadline(branch, paris(2026, 6, 10, 15, 0), 3) == paris(2026, 6, 13, 19, 0)

    def test_the_day_the_order_becomes_ready_does_not_count(self, branch):
        assert pickup_deadline(branch, paris(2026, 6, 10, 9, 0), 1) == paris(2026, 6, 11, 19, 0)

    def test_days_default_to_the_branch_pickup_window(self):
        branch = BranchFactory(pickup_days=10)

        # Ten open days after Wednesday 10 June: 11, 12, 13, 16, 17, 18, 19, 20, 23, 24 June.
        assert pickup_deadline(branch, paris(2026, 6, 10, 15, 0)) == paris(2026, 6, 24, 19, 0)

    def test_saturday_ready_order_waits_until_tuesday_at_least(self, branch):
        assert pickup_deadline(branch, paris(2026, 6, 13, 19, 30), 1) == paris(2026, 6, 16, 19, 0)

    def test_ready_on_a_closed_day_counts_from_the_next_open_day(self, branch):
        assert pickup_deadline(branch, paris(2026, 6, 15, 12, 0), 1) == paris(2026, 6, 16, 19, 0)

    def test_holidays_and_closures_do_not_count(self, branch):
        ClosureFactory(branch=branch, starts_on=date(2026, 7, 15), ends_on=date(2026, 7, 16))

        # Ready Saturday 11 July: 14 July holiday, 15-16 closed -> 17 and 18 July.
        assert pickup_deadline(branch, paris(2026, 7, 11, 12, 0), 2) == paris(2026, 7, 18, 19, 0)

    def test_closing_time_is_the_latest_interval_of_the_day(self):
        # Intervals created in reverse order: the latest closing time wins, not the last row.
        branch = BranchFactory(hours=[(3, "14:00", "18:30"), (3, "09:30", "12:30")])  # Thursday

        assert pickup_deadline(branch, paris(2026, 6, 10, 12, 0), 1) == paris(2026, 6, 11, 18, 30)

    def test_closing_time_follows_the_weekday_of_the_last_day(self):
        branch = BranchFactory(hours=[(2, "10:00", "19:00"), (5, "10:00", "13:00")])

        # Wednesday 10 June ready -> Saturday 13 (closes 13:00), Wednesday 17 (closes 19:00).
        assert pickup_deadline(branch, paris(2026, 6, 10, 12, 0), 1) == paris(2026, 6, 13, 13, 0)
        assert pickup_deadline(branch, paris(2026, 6, 10, 12, 0), 2) == paris(2026, 6, 17, 19, 0)

    def test_pickup_before_spring_forward_is_in_winter_time(self, branch):
        deadline = pickup_deadline(branch, paris(2026, 3, 27, 12, 0), 1)  # Friday

        assert deadline.astimezone(UTC) == utc(2026, 3, 28, 18, 0)  # Saturday 19:00 UTC+1

    def test_pickup_after_spring_forward_is_in_summer_time(self, branch):
        deadline = pickup_deadline(branch, paris(2026, 3, 27, 12, 0), 2)

        assert deadline.astimezone(UTC) == utc(2026, 3, 31, 17, 0)  # Tuesday 19:00 UTC+2

    def test_pickup_after_fall_back_is_in_winter_time(self, branch):
        deadline = pickup_deadline(branch, paris(2026, 10, 23, 12, 0), 2)

        assert deadline.astimezone(UTC) == utc(2026, 10, 27, 18, 0)  # Tuesday 19:00 UTC+1

    def test_pickup_on_the_dst_sunday_itself(self, seven_day_branch):
        spring = pickup_deadline(seven_day_branch, paris(2026, 3, 28, 12, 0), 1)
        autumn = pickup_deadline(seven_day_branch, paris(2026, 10, 24, 12, 0), 1)

        assert spring.astimezone(UTC) == utc(2026, 3, 29, 17, 0)
        assert autumn.astimezone(UTC) == utc(2026, 10, 25, 18, 0)


# Branches without open days -----------------------------------------------------------------------


class TestNoOpenDay:
    def test_branch_without_opening_hours_has_no_processing_deadline(self):
        branch = BranchFactory(name="Annexe fermée", hours=[])

        with translation.override("en"), pytest.raises(NoOpenDayError) as raised:
            processing_deadline(branch, paris(2026, 6, 10, 14, 0), 24)
        assert str(raised.value) == "The branch Annexe fermée has no open day in the coming year."

    def test_no_open_day_message_is_translated(self):
        branch = BranchFactory(name="Annexe fermée", hours=[])

        with translation.override("fr"), pytest.raises(NoOpenDayError) as raised:
            processing_deadline(branch, paris(2026, 6, 10, 14, 0), 24)
        assert "Annexe fermée" in str(raised.value)
        assert "has no open day" not in str(raised.value)

    def test_branch_without_opening_hours_has_no_pickup_deadline(self):
        with pytest.raises(NoOpenDayError):
            pickup_deadline(BranchFactory(hours=[]), paris(2026, 6, 10, 14, 0), 1)

    def test_branch_without_opening_hours_has_no_open_days(self):
        with pytest.raises(NoOpenDayError):
            open_days(BranchFactory(hours=[]), date(2026, 6, 10), 1)

    def test_closure_covering_the_coming_year_stops_the_search(self, branch):
        ClosureFactory(branch=branch, starts_on=date(2026, 6, 1), ends_on=date(2027, 6, 30))

        with pytest.raises(NoOpenDayError) as raised:
            processing_deadline(branch, paris(2026, 6, 10, 14, 0), 24)
        assert raised.value.branch == branch

    def test_closure_after_the_first_open_day_stops_the_search_too(self, branch):
        # Wednesday 10 June is open, then nothing for more than a year.
        ClosureFactory(branch=branch, starts_on=date(2026, 6, 11), ends_on=date(2027, 6, 30))

        with pytest.raises(NoOpenDayError):
            processing_deadline(branch, paris(2026, 6, 10, 14, 0), 24)
        with pytest.raises(NoOpenDayError):
            pickup_deadline(branch, paris(2026, 6, 9, 14, 0), 2)

    def test_closure_covering_the_coming_year_stops_the_pickup_search(self, branch):
        ClosureFactory(branch=branch, starts_on=date(2026, 6, 1), ends_on=date(2027, 6, 30))

        with pytest.raises(NoOpenDayError):
            pickup_deadline(branch, paris(2026, 6, 10, 14, 0), 1)

    def test_no_open_day_error_is_a_value_error(self):
        assert issubclass(NoOpenDayError, ValueError)


# Invalid arguments --------------------------------------------------------------------------------


class TestInvalidArguments:
    @pytest.mark.parametrize("hours", [0, -24])
    def test_processing_hours_must_be_positive(self, branch, hours):
        with pytest.raises(ValueError, match="hours"):
            processing_deadline(branch, paris(2026, 6, 10, 14, 0), hours)

    @pytest.mark.parametrize("days", [0, -1])
    def test_pickup_days_must_be_positive(self, branch, days):
        with pytest.raises(ValueError, match="days"):
            pickup_deadline(branch, paris(2026, 6, 10, 14, 0), days)

    def test_processing_start_must_be_aware(self, branch):
        with pytest.raises(ValueError, match="timezone-aware"):
            processing_deadline(branch, datetime(2026, 6, 10, 14, 0), 24)

    def test_ready_at_must_be_aware(self, branch):
        with pytest.raises(ValueError, match="timezone-aware"):
            pickup_deadline(branch, datetime(2026, 6, 10, 14, 0), 1)

    def test_invalid_arguments_are_refused_before_any_query(
        self, branch, django_assert_num_queries
    ):
        with django_assert_num_queries(0), pytest.raises(ValueError):
            processing_deadline(branch, datetime(2026, 6, 10, 14, 0), 24)


# Queries ------------------------------------------------------------------------------------------


class TestQueries:
    def test_next_day_deadline_takes_two_queries(self, branch, django_assert_num_queries):
        with django_assert_num_queries(2):
            processing_deadline(branch, paris(2026, 6, 10, 14, 0), 48)

    def test_skipping_many_closures_and_days_still_takes_two_queries(
        self, branch, django_assert_num_queries
    ):
        for month in range(2, 12):
            ClosureFactory(
                branch=branch, starts_on=date(2026, month, 1), ends_on=date(2026, month + 1, 1)
            )

        with django_assert_num_queries(2):
            deadline = processing_deadline(branch, paris(2026, 2, 3, 10, 0), 48)
        # Closed from 1 February to Tuesday 1 December: Wednesday 2 and Thursday 3 December count.
        assert deadline == paris(2026, 12, 4)
        with django_assert_num_queries(2):
            pickup_deadline(branch, paris(2026, 2, 3, 10, 0), 60)

    def test_prefetched_opening_hours_save_a_query(self, branch, django_assert_num_queries):
        branch = Branch.objects.prefetch_related("opening_hours").get(pk=branch.pk)

        with django_assert_num_queries(1):
            processing_deadline(branch, paris(2026, 6, 13, 18, 30), 24)
        with django_assert_num_queries(1):
            pickup_deadline(branch, paris(2026, 6, 13, 18, 30), 10)

    def test_branch_without_opening_hours_fails_after_one_query(self, django_assert_num_queries):
        branch = BranchFactory(hours=[])

        with django_assert_num_queries(1), pytest.raises(NoOpenDayError):
            processing_deadline(branch, paris(2026, 6, 10, 14, 0), 24)


# Properties over a year ---------------------------------------------------------------------------


class TestPropertiesOverAYear:
    """Check the deadlines of many random orders against a plain re-count of open time."""

    CLOSURES = [(date(2026, 2, 16), date(2026, 2, 21)), (date(2026, 8, 3), date(2026, 8, 22))]
    HOLIDAYS = holidays.country_holidays("FR", years=[2026, 2027])

    def expected_open(self, day: date) -> bool:
        return (
            day.weekday() in {1, 2, 3, 4, 5}
            and day not in self.HOLIDAYS
            and not any(first <= day <= last for first, last in self.CLOSURES)
        )

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Return the wall-clock time on open days between two naive local datetimes."""
        total, day = timedelta(0), start.date()
        while datetime.combine(day, time.min) < end:
            if self.expected_open(day):
                low = max(start, datetime.combine(day, time.min))
                high = min(end, datetime.combine(day + timedelta(days=1), time.min))
                total += max(high - low, timedelta(0))
            day += timedelta(days=1)
        return total

    def random_starts(self, count: int) -> list[datetime]:
        rng = random.Random(20260101)  # fixed seed: a failure can be replayed
        year_start = utc(2025, 12, 31, 23, 0)
        seconds_in_2026 = 365 * 24 * 3600
        starts = [
            year_start + timedelta(seconds=rng.randrange(seconds_in_2026)) for _ in range(count)
        ]
        # Local midnights are the edge of every day: include some.
        starts += [paris(2026, 1, 1) + timedelta(days=rng.randrange(365)) for _ in range(20)]
        return starts

    @pytest.fixture
    def typical_branch(self, branch) -> Branch:
        for first, last in self.CLOSURES:
            ClosureFactory(branch=branch, starts_on=first, ends_on=last)
        return Branch.objects.prefetch_related("opening_hours").get(pk=branch.pk)

    @pytest.mark.parametrize("hours", [24, 48])
    def test_processing_deadline_counts_exactly_the_hours_and_ends_on_an_open_day(
        self, typical_branch, hours
    ):
        for start in self.random_starts(300):
            deadline = processing_deadline(typical_branch, start, hours)
            local_start = start.astimezone(PARIS).replace(tzinfo=None)
            local_deadline = deadline.astimezone(PARIS).replace(tzinfo=None)
            ends_at_midnight = local_deadline.time() == time.min
            last_day = local_deadline.date() - timedelta(days=1 if ends_at_midnight else 0)

            assert local_deadline - local_start >= timedelta(hours=hours), start
            assert self.open_time_between(local_start, local_deadline) == timedelta(hours=hours)
            # Ending on an open day makes it the earliest such moment.
            assert self.expected_open(last_day), start

    def test_pickup_deadline_is_the_closing_of_the_nth_open_day(self, typical_branch):
        for ready_at in self.random_starts(150):
            days = 1 + ready_at.minute % 10
            deadline = pickup_deadline(typical_branch, ready_at, days).astimezone(PARIS)
            ready_on = ready_at.astimezone(PARIS).date()
            between = [
                ready_on + timedelta(days=n)
                for n in range(1, (deadline.date() - ready_on).days + 1)
            ]

            assert deadline.time() == time(19, 0)
            assert self.expected_open(deadline.date())
            assert sum(self.expected_open(day) for day in between) == days
