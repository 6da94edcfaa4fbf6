"""The periodic tasks: thin, named as the beat schedule expects, safe to run twice."""

import pytest
from django.db import transaction

from catalog.models import Item
from notifications.models import Notification
from reservations import tasks
from reservations.models import Reservation

from .conftest import paris

pytestmark = pytest.mark.django_db


def test_tasks_have_the_names_the_beat_schedule_uses():
    assert (
        tasks.expire_overdue_reservations.name == "reservations.tasks.expire_overdue_reservations"
    )
    assert tasks.send_pickup_reminders.name == "reservations.tasks.send_pickup_reminders"
    assert tasks.release_quarantined_items.name == "reservations.tasks.release_quarantined_items"


class TestExpireOverdueReservations:
    def test_expires_overdue_orders_once_however_often_it_runs(self, ready_order, clock):
        clock.set(2026, 6, 25, 3, 0)

        assert tasks.expire_overdue_reservations() == 1
        assert tasks.expire_overdue_reservations.delay().get() == 0

        assert Reservation.objects.get().status == "expired"
        assert Notification.objects.filter(kind="reservation_expired").count() == 1


class TestSendPickupReminders:
    def test_reminds_once_however_often_it_runs(self, ready_order, clock):
        clock.set(2026, 6, 20, 9, 5)

        assert tasks.send_pickup_reminders() == 1
        assert tasks.send_pickup_reminders.apply().get() == 0

        assert Notification.objects.filter(kind="pickup_reminder").count() == 1


class TestReleaseQuarantinedItems:
    def test_puts_copies_back_once_their_quarantine_is_over(self, ready_order, librarian, clock):
        from reservations import services

        services.collect(reservation=ready_order, by=librarian)
        for item in Item.objects.all():
            services.return_item(barcode=item.barcode, by=librarian)
        clock.set(2026, 6, 13, 15, 0)  # three days (the book's quarantine) later

        assert tasks.release_quarantined_items() == 3
        assert tasks.release_quarantined_items.delay().get() == 0
        assert set(Item.objects.values_list("status", flat=True)) == {"available"}


def test_expiry_is_published_after_commit_and_runs_eagerly(
    ready_order, clock, django_capture_on_commit_callbacks
):
    clock.set(2026, 6, 25, 3, 0)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        tasks.expire_overdue_reservations.delay_on_commit()

    assert Reservation.objects.get().status == "expired"
    assert paris(2026, 6, 24, 19, 0) == Reservation.objects.get().pickup_deadline
