"""The small read helpers of the patron's pages."""

import datetime

from django.utils import translation

from reservations import selectors
from reservations.models import Reservation, ReservationStatus
from tests.factories import unsaved_opening_hours as hours


class TestOpeningHoursSummary:
    def test_same_consecutive_days_are_merged(self):
        week = hours(*[(day, "13:00", "19:00") for day in range(1, 5)], (5, "10:00", "18:00"))

        with translation.override("en"):
            assert selectors.opening_hours_summary(week) == "Tue–Fri 13:00–19:00, Sat 10:00–18:00"

    def test_a_day_with_two_intervals_and_a_gap(self):
        week = hours((0, "10:00", "12:00"), (0, "14:00", "18:00"), (2, "10:00", "18:00"))

        with translation.override("en"):
            assert selectors.opening_hours_summary(week) == (
                "Mon 10:00–12:00 / 14:00–18:00, Wed 10:00–18:00"
            )

    def test_no_hours(self):
        assert selectors.opening_hours_summary([]) == ""


class TestTimeline:
    def at(self, hour):
        return datetime.datetime(2026, 6, 10, hour, tzinfo=datetime.UTC)

    def test_a_preparing_order(self):
        order = Reservation(
            status=ReservationStatus.PREPARING, submitted_at=self.at(8), preparing_at=self.at(9)
        )

        steps = selectors.timeline(order)

        assert [step.state for step in steps] == ["done", "current", "todo", "todo"]
        assert [step.at for step in steps] == [self.at(8), self.at(9), None, None]

    def test_an_order_cancelled_before_preparation(self):
        order = Reservation(
            status=ReservationStatus.CANCELLED, submitted_at=self.at(8), cancelled_at=self.at(9)
        )

        steps = selectors.timeline(order)

        assert [step.status for step in steps] == ["submitted", "cancelled"]
        assert [step.state for step in steps] == ["done", "current"]

    def test_an_expired_order(self):
        order = Reservation(
            status=ReservationStatus.EXPIRED,
            submitted_at=self.at(8),
            preparing_at=self.at(9),
            ready_at=self.at(10),
            expired_at=self.at(11),
        )

        assert [step.status for step in selectors.timeline(order)] == [
            "submitted",
            "preparing",
            "ready",
            "expired",
        ]
