"""Returned loans and closed orders forget their patron, audit entries their actor.

reservations/retention.py; accounts/retention.py for failed sign-ins.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import IntegrityError, transaction

from accounts import retention as accounts_retention
from accounts import tasks as accounts_tasks
from reservations import retention, tasks
from reservations.models import AuditEntry, Loan, Reservation
from tests.factories import (
    LoanFactory,
    PatronFactory,
    ReservationFactory,
    ReservationLineFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 6, 15, 3, 40, tzinfo=ZoneInfo("Europe/Paris"))
DAY = datetime.timedelta(days=1)


class TestReturnedLoans:
    def test_a_loan_returned_over_thirty_days_ago_no_longer_says_who_borrowed_it(self):
        patron = PatronFactory()
        line = ReservationLineFactory(reservation__patron=patron)
        old = LoanFactory(patron=patron, line=line, returned_at=NOW - 31 * DAY)
        recent = LoanFactory(patron=patron, returned_at=NOW - 29 * DAY)
        current = LoanFactory(patron=patron, returned_at=None, out_at=NOW - 90 * DAY)

        assert retention.anonymise_returned_loans(now=NOW) == 1

        kept = Loan.objects.filter(pk=old.pk).values("item", "out_at", "due_on", "returned_at")
        assert Loan.objects.filter(pk=old.pk, patron=None, line=None).exists()
        assert kept.get() == {
            "item": old.item_id,
            "out_at": old.out_at,
            "due_on": old.due_on,
            "returned_at": NOW - 31 * DAY,
        }
        assert Loan.objects.get(pk=recent.pk).patron == patron
        assert Loan.objects.get(pk=current.pk).patron == patron
        assert list(patron.loans.all().order_by("pk")) == [recent, current]

    def test_running_twice_changes_nothing_more(self):
        LoanFactory(returned_at=NOW - 40 * DAY)

        assert retention.anonymise_returned_loans(now=NOW) == 1
        assert retention.anonymise_returned_loans(now=NOW) == 0

    def test_the_retention_is_a_setting(self, settings):
        settings.RETURNED_LOAN_RETENTION_DAYS = 7
        LoanFactory(returned_at=NOW - 8 * DAY)

        assert retention.anonymise_returned_loans(now=NOW) == 1

    def test_many_loans_go_batch_by_batch(self):
        LoanFactory.create_batch(7, returned_at=NOW - 60 * DAY)

        from core import batches

        changed = batches.update_in_batches(
            Loan.objects.filter(patron__isnull=False), batch_size=3, patron=None
        )

        assert changed == 7
        assert not Loan.objects.filter(patron__isnull=False).exists()


class TestAuditEntries:
    def test_entries_older_than_twelve_months_lose_their_actor_and_keep_the_rest(self):
        librarian = StaffFactory()
        old = AuditEntry.objects.create(
            at=NOW - 370 * DAY, actor=librarian, action="picked", to_status="picked"
        )
        recent = AuditEntry.objects.create(at=NOW - 300 * DAY, actor=librarian, action="ready")

        assert retention.pseudonymise_audit_entries(now=NOW) == 1

        old.refresh_from_db()
        assert (old.actor, old.action, old.to_status, old.at) == (
            None,
            "picked",
            "picked",
            NOW - 370 * DAY,
        )
        assert AuditEntry.objects.get(pk=recent.pk).actor == librarian


def closed(status: str, days_ago: float, **fields) -> Reservation:
    at = NOW - days_ago * DAY
    return ReservationFactory(
        status=status, submitted_at=at - 3 * DAY, **{f"{status}_at": at}, **fields
    )


class TestClosedOrders:
    @pytest.mark.parametrize("status", ["collected", "cancelled", "expired"])
    def test_an_order_closed_over_thirty_days_ago_no_longer_says_whose_it_was(self, status):
        old = closed(status, 31)
        ReservationLineFactory(reservation=old, status="released", item__status="available")
        recent = closed(status, 29)

        assert retention.anonymise_closed_orders(now=NOW) == 1

        old.refresh_from_db()
        assert old.patron is None
        assert (old.branch_id, old.status, old.lines.count()) == (old.branch_id, status, 1)
        assert Reservation.objects.get(pk=recent.pk).patron is not None

    @pytest.mark.parametrize("status", ["submitted", "preparing", "ready"])
    def test_an_open_order_keeps_its_patron_however_old(self, status):
        ready = {"ready_at": NOW - 399 * DAY, "pickup_deadline": NOW - 390 * DAY}
        old = ReservationFactory(
            status=status, submitted_at=NOW - 400 * DAY, **(ready if status == "ready" else {})
        )

        assert retention.anonymise_closed_orders(now=NOW) == 0
        assert Reservation.objects.get(pk=old.pk).patron is not None

    def test_the_database_refuses_an_open_order_without_a_patron(self):
        order = ReservationFactory(status="submitted")

        with pytest.raises(IntegrityError), transaction.atomic():
            Reservation.objects.filter(pk=order.pk).update(patron=None)

    def test_the_retention_is_a_setting(self, settings):
        settings.CLOSED_ORDER_RETENTION_DAYS = 7
        closed("collected", 8)

        assert retention.anonymise_closed_orders(now=NOW) == 1


def failed_sign_in(card: str, at: datetime.datetime) -> None:
    attempt = AccessAttempt.objects.create(
        username=card, ip_address="192.0.2.7", user_agent="Firefox", failures_since_start=3
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=at)  # axes dates it now


class TestSignInAttempts:
    def test_failed_sign_ins_are_kept_only_while_they_lock_the_card(self, settings):
        settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
        for minutes, card in ((16, "10000001"), (14, "10000002")):
            failed_sign_in(card, NOW - datetime.timedelta(minutes=minutes))

        assert accounts_retention.forget_sign_in_attempts(now=NOW) == 1
        assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["10000002"]


def test_the_nightly_tasks_apply_every_retention_and_beat_runs_them(time_machine):
    time_machine.move_to(NOW, tick=False)
    LoanFactory(returned_at=NOW - 31 * DAY)
    closed("cancelled", 40)
    AuditEntry.objects.create(at=NOW - 400 * DAY, actor=StaffFactory(), action="ready")
    failed_sign_in("10000001", NOW - DAY)

    assert tasks.apply_retention.apply().get() == {"loans": 1, "orders": 1, "audit_entries": 1}
    assert accounts_tasks.forget_sign_in_attempts.apply().get() == 1
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "reservations.tasks.apply_retention",
        "notifications.tasks.forget_sent_e_mails",
        "pickups.tasks.forget_arrival_notes",
        "accounts.tasks.forget_sign_in_attempts",
    } <= scheduled
