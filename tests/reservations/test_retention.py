"""Returned loans forget their patron, audit entries their actor (reservations/retention.py)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from reservations import retention, tasks
from reservations.models import AuditEntry, Loan
from tests.factories import LoanFactory, PatronFactory, ReservationLineFactory, StaffFactory

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

        from config import batches

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


def test_the_nightly_task_applies_both_and_beat_runs_every_retention_job(time_machine):
    time_machine.move_to(NOW, tick=False)
    LoanFactory(returned_at=NOW - 31 * DAY)
    AuditEntry.objects.create(at=NOW - 400 * DAY, actor=StaffFactory(), action="ready")

    assert tasks.apply_retention.apply().get() == {"loans": 1, "audit_entries": 1}
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "reservations.tasks.apply_retention",
        "notifications.tasks.forget_sent_e_mails",
        "pickups.tasks.forget_arrival_notes",
    } <= scheduled
