"""The periodic tasks: the morning reminder of an appointment, once; the slots of no-shows freed."""

import datetime

import pytest

from notifications.models import Notification
from pickups import tasks
from pickups.models import Appointment, PickupSlot
from pickups.reminders import send_appointment_reminders
from pickups.services import book_appointment, cancel_appointment
from tests.pickups.conftest import NOW, PARIS, TUESDAY_10
from tests.pickups.helpers import order_with_documents

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def order(appointment_branch):
    return order_with_documents(appointment_branch)


@pytest.fixture
def booked(order):
    return book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)


def reminders() -> list[Notification]:
    return list(Notification.objects.filter(kind="appointment_reminder"))


class TestAppointmentReminders:
    def test_nothing_goes_out_before_seven_on_the_day(self, booked):
        assert send_appointment_reminders(now=at(1, 6, 59)) == 0
        assert send_appointment_reminders(now=NOW) == 0  # the day before
        assert reminders() == []

    def test_one_goes_out_from_seven_and_only_once(self, booked):
        assert send_appointment_reminders(now=at(1, 7)) == 1
        assert send_appointment_reminders(now=at(1, 7, 15)) == 0
        assert send_appointment_reminders(now=at(1, 9, 45)) == 0

        booked.refresh_from_db()
        assert booked.reminded_at == at(1, 7)
        assert len(reminders()) == 1

    def test_an_appointment_of_tomorrow_waits_for_tomorrow(self, order):
        book_appointment(reservation_id=order.pk, starts_at=at(2, 10), now=NOW)

        assert send_appointment_reminders(now=at(1, 7)) == 0
        assert send_appointment_reminders(now=at(2, 7)) == 1

    def test_an_appointment_already_started_gets_none(self, booked):
        assert send_appointment_reminders(now=at(1, 10, 5)) == 0
        assert reminders() == []

    def test_an_appointment_booked_this_morning_gets_none(self, order):
        appointment = book_appointment(reservation_id=order.pk, starts_at=at(1, 15), now=at(1, 8))
        assert appointment.booked_at == at(1, 8)

        assert send_appointment_reminders(now=at(1, 9)) == 0

    def test_a_cancelled_appointment_gets_none(self, order, booked):
        cancel_appointment(reservation_id=order.pk, now=NOW)

        assert send_appointment_reminders(now=at(1, 7)) == 0

    def test_an_order_collected_meanwhile_gets_none(self, order, booked):
        order.status = "collected"
        order.collected_at = at(1, 6)
        order.save(update_fields=["status", "collected_at"])

        assert send_appointment_reminders(now=at(1, 7)) == 0

    def test_a_moved_appointment_is_reminded_once_at_its_new_time(self, order, booked):
        book_appointment(reservation_id=order.pk, starts_at=at(1, 11), now=NOW)

        assert send_appointment_reminders(now=at(1, 7)) == 1
        assert send_appointment_reminders(now=at(1, 8)) == 0

    def test_a_reminder_already_queued_is_not_queued_again(self, booked):
        # Another worker queued it and crashed before setting reminded_at.
        Notification.objects.create(
            kind="appointment_reminder",
            dedup_key=f"appointment_reminder:{booked.pk}",
            recipient=booked.reservation.patron,
            address="x@example.org",
            language="fr",
            subject="s",
            body_text="b",
        )

        assert send_appointment_reminders(now=at(1, 7)) == 0
        booked.refresh_from_db()
        assert booked.reminded_at == at(1, 7)
        assert len(reminders()) == 1

    def test_the_task_uses_the_current_time(self, booked, time_machine):
        time_machine.move_to(at(1, 7, 30), tick=False)

        assert tasks.send_appointment_reminders.apply().get() == 1


class TestReleaseMissedAppointments:
    def test_the_task_frees_the_slot_after_it_ends_and_the_order_stays_ready(
        self, order, booked, time_machine
    ):
        time_machine.move_to(at(1, 10, 14), tick=False)
        assert tasks.release_missed_appointments.apply().get() == 0

        time_machine.move_to(at(1, 10, 15), tick=False)
        assert tasks.release_missed_appointments.apply().get() == 1

        booked.refresh_from_db()
        order.refresh_from_db()
        assert booked.status == "missed"
        assert PickupSlot.objects.get(pk=booked.slot_id).booked == 0
        assert order.status == "ready"
        assert not Appointment.objects.filter(status="booked").exists()


def test_both_tasks_run_on_the_beat(settings):
    scheduled = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }

    assert scheduled["pickups.tasks.send_appointment_reminders"] <= 15 * 60
    assert 5 * 60 <= scheduled["pickups.tasks.release_missed_appointments"] <= 15 * 60
