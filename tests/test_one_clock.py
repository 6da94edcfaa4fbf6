"""One clock per operation: a service given `now` dates everything it writes with it.

The wall clock is stopped at WALL, years away from the moments the services
are given; afterwards no row of the database may carry WALL (or a date near
it). A field that read the real clock by itself (``auto_now``, a
``timezone.now()`` beside the ``now`` argument, the database's own clock)
shows up here, whatever the date the suite runs on.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import models

from notifications.models import Notification
from notifications.services import record_delivery_event, send_again
from pickups.reminders import send_appointment_reminders
from pickups.services import (
    announce_arrival,
    book_appointment,
    cancel_appointment,
    release_missed_appointments,
)
from reservations import campaigns, services
from reservations.models import AuditEntry
from staff.board_services import mark_arrival_seen
from tests.factories import (
    BranchFactory,
    DocumentTypeFactory,
    ExtensionCampaignFactory,
    ItemFactory,
    LoanFactory,
    PatronFactory,
    RecordFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
PROJECT_APPS = ("accounts", "branches", "catalog", "reservations", "notifications", "pickups")
# The fixtures are made then; the services are told it is March 2029...
SETUP = datetime.datetime(2029, 3, 13, 9, 0, tzinfo=PARIS)
# ...while the wall clock, stopped, reads this: no row may show it.
WALL = datetime.datetime(2033, 7, 1, 12, 0, tzinfo=PARIS)


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of March 2029 in Paris (14 March is a Wednesday)."""
    return datetime.datetime(2029, 3, day, hour, minute, tzinfo=PARIS)


def timestamp_fields():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model._meta.proxy:
            continue  # a proxy's fields are another app's (AuthenticatorApp: django-otp's)
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateField):
                yield model, field


def rows_near_the_wall_clock() -> list[str]:
    """Name every model field holding the wall clock's time, or a date within a year of it."""
    found = []
    wall_day = WALL.date()
    for model, field in timestamp_fields():
        if isinstance(field, models.DateTimeField):
            lookup = {field.name: WALL}
        else:
            near = (
                wall_day - datetime.timedelta(days=366),
                wall_day + datetime.timedelta(days=366),
            )
            lookup = {f"{field.name}__range": near}
        if model._default_manager.filter(**lookup).exists():
            found.append(f"{model._meta.label}.{field.name}")
    return found


def test_no_model_field_reads_the_clock_by_itself():
    """Services write every timestamp: auto_now and auto_now_add would ignore their `now`."""
    reading = [
        f"{model._meta.label}.{field.name}"
        for model, field in timestamp_fields()
        if field.auto_now or field.auto_now_add
    ]

    assert reading == []


def test_the_whole_lifecycle_dates_its_rows_with_the_now_it_is_given(time_machine):
    time_machine.move_to(SETUP, tick=False)
    branch = BranchFactory(
        appointments_enabled=True,
        slot_minutes=15,
        patrons_per_slot=4,
        hours=[(weekday, "10:00", "19:00") for weekday in range(7)],
        pickup_days=5,
    )
    librarian = StaffFactory(groups=["librarian"], branches=[branch])
    patron, other_patron = PatronFactory(), PatronFactory()
    book = DocumentTypeFactory(code="book", loan_days=21, quarantine_days=3)
    twice_on_the_shelf = RecordFactory(document_type=book)
    ItemFactory.create_batch(2, record=twice_on_the_shelf, branch=branch)
    once, to_cancel, to_expire = (RecordFactory(document_type=book) for _ in range(3))
    for record in (once, to_cancel, to_expire):
        ItemFactory(record=record, branch=branch)
    LoanFactory(patron=other_patron, due_on=datetime.date(2029, 3, 20))
    campaign = ExtensionCampaignFactory()
    time_machine.move_to(WALL, tick=False)

    # Submitted on Wednesday at 10:00, prepared at 11:00 (a copy missing: swapped), ready at noon.
    order = services.submit_reservation(
        patron=patron, branch=branch, records=[twice_on_the_shelf, once], now=at(14, 10)
    )
    cancelled = services.submit_reservation(
        patron=patron, branch=branch, records=[to_cancel], now=at(14, 10, 5)
    )
    left = services.submit_reservation(
        patron=other_patron, branch=branch, records=[to_expire], now=at(14, 10, 10)
    )
    services.start_preparing(reservation=order, by=librarian, now=at(14, 11))
    first, second = order.lines.select_related("item").order_by("record__pk")
    services.report_missing(line=first, by=librarian, now=at(14, 11, 5))
    first.refresh_from_db()
    for line in (first, second):
        services.confirm_pick(
            line=line, barcode=line.item.barcode, by=librarian, now=at(14, 11, 10)
        )
    services.mark_ready(reservation=order, by=librarian, now=at(14, 12))
    for line in left.lines.select_related("item"):
        services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian, now=at(14, 12))
    services.mark_ready(reservation=left, by=librarian, now=at(14, 12, 5))
    services.cancel(reservation=cancelled, by=patron, reason="", now=at(14, 12, 10))

    # A pickup time on Thursday at 10:00, booked, moved, reminded, the patron arrives.
    book_appointment(reservation_id=order.pk, starts_at=at(15, 11), now=at(14, 13))
    cancel_appointment(reservation_id=order.pk, now=at(14, 13, 5))
    appointment = book_appointment(
        reservation_id=order.pk, starts_at=at(15, 10), now=at(14, 13, 10)
    )
    assert send_appointment_reminders(now=at(15, 7, 30)) == 1
    arrival = announce_arrival(reservation_id=order.pk, note="à l'entrée", now=at(15, 9, 58))
    mark_arrival_seen(arrival=arrival, by=librarian, now=at(15, 9, 59))
    services.collect(reservation=order, by=librarian, now=at(15, 10, 2))
    assert release_missed_appointments(now=at(15, 10, 20)) == 0  # kept

    # A copy comes back, waits out its quarantine; the other order is reminded, then expires.
    services.return_item(barcode=second.item.barcode, by=librarian, now=at(16, 15))
    assert services.release_quarantine(now=at(20, 15)) == 1
    left.refresh_from_db()
    assert services.send_pickup_reminders(now=left.reminder_due_at) == 1
    assert services.expire_overdue(now=left.pickup_deadline + datetime.timedelta(minutes=1)) == 1

    # The network pushes the loans back; an e-mail bounces and is sent again.
    campaigns.start_campaign(campaign=campaign, by=None, now=at(21, 9))
    bounced = Notification.objects.filter(kind="reservation_received").first()
    Notification.objects.filter(pk=bounced.pk).update(status="sent", provider_message_id="m-1")
    record_delivery_event(provider_message_id="m-1", event_type="bounced", now=at(21, 10))
    Notification.objects.filter(pk=bounced.pk).update(status="failed")
    assert send_again(notifications=Notification.objects.filter(pk=bounced.pk), now=at(21, 11)) == 1

    assert rows_near_the_wall_clock() == []
    appointment.refresh_from_db()
    assert appointment.booked_at == at(14, 13, 10)
    assert appointment.reminded_at == at(15, 7, 30)
    assert AuditEntry.objects.filter(action="collected").get().at == at(15, 10, 2)
    assert set(
        Notification.objects.filter(about_id=order.pk, kind="reservation_ready").values_list(
            "created_at", "updated_at"
        )
    ) == {(at(14, 12), at(14, 12))}
