"""Pickup figures for staff: the no-show rate and the places booked per slot, on the dashboard."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pickups.models import AppointmentStatus, PickupSlot
from pickups.services import release_missed_appointments
from reservations.models import ReservationStatus
from staff.board_selectors import NoShows, no_shows, pickup_figures
from tests.factories import BranchFactory, StaffFactory
from tests.pickups.conftest import NOW
from tests.staff.test_board import at, book, ready_order

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("staff:dashboard")


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def handed_over(order, when):
    order.status = ReservationStatus.COLLECTED
    order.collected_at = when
    order.save(update_fields=["status", "collected_at"])


class TestNoShowRate:
    def test_missed_out_of_missed_and_kept_over_the_last_30_days(self, appointment_branch):
        branch = appointment_branch
        other = BranchFactory(appointments_enabled=True)
        book(ready_order(branch), at(10, day=20), status=AppointmentStatus.MISSED)
        book(ready_order(branch), at(10, day=21), status=AppointmentStatus.MISSED)
        book(ready_order(branch), at(10, day=22), status=AppointmentStatus.KEPT)
        # Handed over during the slot, whatever the sweeper later wrote: kept.
        came = ready_order(branch)
        book(came, at(11, day=23), status=AppointmentStatus.MISSED)
        handed_over(came, at(11, 5, day=23))
        # Handed over after the slot, days later: still a no-show.
        late = ready_order(branch)
        book(late, at(11, day=24), status=AppointmentStatus.MISSED)
        handed_over(late, at(11, day=26))
        # Not counted: cancelled, not yet ended, older than 30 days, another branch.
        book(ready_order(branch), at(10, day=25), status=AppointmentStatus.CANCELLED)
        book(ready_order(branch), at(16))
        book(
            ready_order(branch),
            at(10, day=20) - datetime.timedelta(days=30),
            status=AppointmentStatus.MISSED,
        )
        book(ready_order(other), at(10, day=20), status=AppointmentStatus.MISSED)

        rates = no_shows([branch.pk, other.pk])

        assert rates[branch.pk] == NoShows(missed=3, kept=2)
        assert rates[branch.pk].percent == 60.0
        assert rates[other.pk] == NoShows(missed=1, kept=0)

    def test_no_rate_when_no_appointment_ended(self, appointment_branch):
        rate = no_shows([appointment_branch.pk])[appointment_branch.pk]
        assert rate.rate is None and rate.percent is None

    def test_an_order_no_longer_waiting_gives_its_place_back_before_its_slot(
        self, appointment_branch
    ):
        early = ready_order(appointment_branch)
        came_early = book(early, at(15))
        handed_over(early, at(10))
        dropped = ready_order(appointment_branch)
        cancelled = book(dropped, at(15))
        dropped.status = ReservationStatus.CANCELLED
        dropped.save(update_fields=["status"])
        waiting = book(ready_order(appointment_branch), at(15))

        assert release_missed_appointments(now=at(12)) == 0

        for appointment in (came_early, cancelled, waiting):
            appointment.refresh_from_db()
        assert came_early.status == AppointmentStatus.KEPT
        assert cancelled.status == AppointmentStatus.CANCELLED
        assert waiting.status == AppointmentStatus.BOOKED
        # Only the patron still to come holds a place in the 15:00 slot.
        assert PickupSlot.objects.get(pk=waiting.slot_id).booked == 1

    def test_the_sweeper_calls_a_handed_over_order_kept_and_a_no_show_missed(
        self, appointment_branch
    ):
        collected = ready_order(appointment_branch)
        kept = book(collected, at(10))
        handed_over(collected, at(10, 5))
        missed = book(ready_order(appointment_branch), at(10))

        assert release_missed_appointments(now=at(12)) == 1

        kept.refresh_from_db()
        missed.refresh_from_db()
        assert kept.status == AppointmentStatus.KEPT
        assert missed.status == AppointmentStatus.MISSED


class TestDashboard:
    @pytest.fixture
    def staff(self, appointment_branch):
        return StaffFactory(groups=["desk"], branches=[appointment_branch])

    def test_shows_the_places_booked_per_slot_and_the_no_show_rate(
        self, client, staff, appointment_branch
    ):
        for _ in range(3):
            book(ready_order(appointment_branch), at(14))
        for _ in range(4):
            book(ready_order(appointment_branch), at(15))
        book(ready_order(appointment_branch), at(10, day=27), status=AppointmentStatus.MISSED)
        book(ready_order(appointment_branch), at(10, day=28), status=AppointmentStatus.KEPT)
        client.force_login(staff)

        html = client.get(DASHBOARD).content.decode()

        assert 'id="dash-pickups"' in html
        assert "14:00–14:15" in html and "3 / 4" in html
        assert "15:00–15:15" in html and "4 / 4" in html
        assert "Taux d’absence : 50,0 % (rendez-vous manqués : 1 sur 2)." in html
        assert f"{reverse('board:board')}?branch={appointment_branch.pk}" in html

    def test_no_section_when_no_branch_takes_appointments(self, client):
        branch = BranchFactory(appointments_enabled=False)
        client.force_login(StaffFactory(groups=["desk"], branches=[branch]))
        html = client.get(DASHBOARD).content.decode()
        assert 'id="dash-pickups"' not in html

    def test_figures_take_two_queries_for_any_number_of_branches(self):
        branches = [BranchFactory(appointments_enabled=True) for _ in range(4)]
        for branch in branches:
            book(ready_order(branch), at(14))
            book(ready_order(branch), at(10, day=27), status=AppointmentStatus.MISSED)
        with CaptureQueriesContext(connection) as queries:
            figures = pickup_figures(branches)
        assert len(queries) == 2
        assert [len(item.slots) for item in figures] == [1, 1, 1, 1]
        assert all(item.no_shows.missed == 1 for item in figures)
