"""The session basket and the small read helpers of the patron's pages."""

import datetime

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.utils import translation

from branches.models import OpeningHours
from reservations import selectors
from reservations.basket import (
    AlreadyInBasket,
    AlreadyOrdered,
    Basket,
    BasketFull,
    UnknownRecord,
)
from reservations.exceptions import MembershipExpired, NotReservableOnline
from reservations.models import Reservation, ReservationStatus
from tests.factories import DocumentTypeFactory, PatronFactory, RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def basket():
    return Basket(SessionStore())


class TestBasket:
    def test_records_are_kept_in_the_order_added(self, basket):
        first, second = RecordFactory(), RecordFactory()

        basket.add(first)
        basket.add(second)

        assert basket.record_ids == [first.pk, second.pk]
        assert len(basket) == 2 and first.pk in basket

    def test_the_cap_counts_the_active_documents(self, basket, settings):
        settings.MAX_ACTIVE_ITEMS = 3
        basket.add(RecordFactory(), active=1)

        basket.add(RecordFactory(), active=1)
        with pytest.raises(BasketFull) as refused:
            basket.add(RecordFactory(), active=1)

        assert len(basket) == 2
        with translation.override("en"):
            assert str(refused.value).startswith("You can have at most 3 documents")

    def test_refusals(self, basket):
        record = RecordFactory(title="Nadja")
        basket.add(record)

        with pytest.raises(AlreadyInBasket):
            basket.add(record)
        with pytest.raises(UnknownRecord):
            basket.add(None)
        with pytest.raises(AlreadyOrdered):
            basket.add(RecordFactory(pk=4242), ordered={4242: "CC-ABCDE"})
        game = DocumentTypeFactory(code="game", reservable_online=False)
        with pytest.raises(NotReservableOnline):
            basket.add(RecordFactory(document_type=game))
        assert basket.record_ids == [record.pk]

    def test_a_patron_without_a_valid_membership_cannot_add(self, basket):
        patron = PatronFactory(membership_expires_on=datetime.date(2020, 12, 31))

        with pytest.raises(MembershipExpired):
            basket.add(RecordFactory(), patron=patron)

    def test_a_tampered_session_value_is_read_as_empty(self):
        assert Basket({"basket": "1,2"}).record_ids == []
        assert Basket({"basket": [1, "2", None]}).record_ids == [1]

    def test_remove_keep_only_and_clear(self, basket):
        a, b, c = RecordFactory(), RecordFactory(), RecordFactory()
        for record in (a, b, c):
            basket.add(record)

        assert basket.remove(b.pk) is True
        assert basket.remove(b.pk) is False
        basket.keep_only([c.pk])
        assert basket.record_ids == [c.pk]
        basket.clear()
        assert len(basket) == 0


def hours(*spec):
    return [
        OpeningHours(
            weekday=weekday,
            opens_at=datetime.time.fromisoformat(opens),
            closes_at=datetime.time.fromisoformat(closes),
        )
        for weekday, opens, closes in spec
    ]


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
