import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reservations import campaigns, tasks
from reservations.campaigns import (
    AlreadyStarted,
    AnotherCampaignRunning,
    InvalidShift,
    NothingSelected,
    NotRunnable,
    dry_run,
    run_campaign_batches,
    shift_date,
    start_campaign,
    undo_campaign,
)
from reservations.models import ExtensionCampaign, ExtensionChange, Loan
from tests.factories import ExtensionCampaignFactory, LoanFactory, PatronFactory, StaffFactory

pytestmark = pytest.mark.django_db

D = datetime.date


make_campaign = ExtensionCampaignFactory


def run(campaign, batch_size=2):
    start_campaign(campaign=campaign, by=None)
    return run_campaign_batches(campaign_id=campaign.pk, batch_size=batch_size)


def crash_in_second_call(batch):
    """Wrap a batch function so that its second batch commits nothing: a worker killed then."""
    calls = []

    def crashing(campaign, batch_size):
        result = batch(campaign, batch_size)
        calls.append(result)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return result

    return crashing


def due_dates(loans):
    return [Loan.objects.get(pk=loan.pk).due_on for loan in loans]


class TestShiftDate:
    @pytest.mark.parametrize(
        ("day", "amount", "expected"),
        [
            (D(2024, 1, 31), 1, D(2024, 2, 29)),
            (D(2023, 1, 31), 1, D(2023, 2, 28)),
            (D(2024, 2, 29), 12, D(2025, 2, 28)),
            (D(2024, 2, 29), 48, D(2028, 2, 29)),
            (D(2023, 12, 31), 2, D(2024, 2, 29)),
            (D(2023, 12, 31), 1, D(2024, 1, 31)),
            (D(2024, 3, 31), 1, D(2024, 4, 30)),
            (D(2024, 8, 15), 4, D(2024, 12, 15)),
        ],
    )
    def test_months_are_calendar_months_clamped_to_the_month_end(self, day, amount, expected):
        assert shift_date(day, amount=amount, unit="months") == expected

    def test_weeks_are_seven_days_each(self):
        assert shift_date(D(2023, 12, 31), amount=5, unit="weeks") == D(2024, 2, 4)

    @pytest.mark.parametrize("day", [D(2024, 1, 31), D(2024, 2, 29), D(2023, 12, 31)])
    @pytest.mark.parametrize("amount", [1, 2, 12])
    def test_the_batch_update_in_sql_agrees_with_python(self, day, amount):
        loan = LoanFactory(due_on=day)
        run(make_campaign(shift_amount=amount, shift_unit="months"))
        assert due_dates([loan]) == [shift_date(day, amount=amount, unit="months")]


class TestSelection:
    def test_loans_due_in_the_range_are_extended_others_not(self):
        before = LoanFactory(due_on=D(2030, 3, 31))
        first = LoanFactory(due_on=D(2030, 4, 1))
        last = LoanFactory(due_on=D(2030, 4, 30))
        after = LoanFactory(due_on=D(2030, 5, 1))
        campaign = make_campaign(due_from=D(2030, 4, 1), due_to=D(2030, 4, 30))
        assert dry_run(campaign=campaign) == 2

        run(campaign)

        assert due_dates([before, first, last, after]) == [
            D(2030, 3, 31),
            D(2030, 5, 6),
            D(2030, 6, 4),
            D(2030, 5, 1),
        ]

    def test_no_dates_selects_every_current_loan_and_no_returned_one(self):
        current = LoanFactory.create_batch(3, due_on=D(2030, 1, 10))
        returned = LoanFactory(due_on=D(2030, 1, 10), returned_at=timezone.now())
        campaign = make_campaign()
        assert dry_run(campaign=campaign) == 3

        run(campaign)

        assert due_dates(current) == [D(2030, 2, 14)] * 3
        assert due_dates([returned]) == [D(2030, 1, 10)]
        assert not ExtensionChange.objects.filter(loan=returned).exists()

    def test_memberships_ended_since_the_date_are_extended_others_not(self, midday):
        today = midday
        since = today - datetime.timedelta(days=60)
        ended_on_the_date = PatronFactory(membership_expires_on=since)
        ended_yesterday = PatronFactory(membership_expires_on=today - datetime.timedelta(days=1))
        ended_before = PatronFactory(membership_expires_on=since - datetime.timedelta(days=1))
        valid_today = PatronFactory(membership_expires_on=today)
        staff = StaffFactory()
        campaign = make_campaign(
            kind="memberships", ended_on_or_after=since, shift_amount=4, shift_unit="months"
        )
        assert dry_run(campaign=campaign) == 2

        run(campaign)

        def expires(user):
            user.refresh_from_db()
            return user.membership_expires_on

        assert expires(ended_on_the_date) == shift_date(since, amount=4, unit="months")
        assert expires(ended_yesterday) == shift_date(
            today - datetime.timedelta(days=1), amount=4, unit="months"
        )
        assert expires(ended_before) == since - datetime.timedelta(days=1)
        assert expires(valid_today) == today
        assert expires(staff) is None
        assert campaign.changes.count() == 2


class TestBatches:
    def test_small_batches_extend_every_loan_once_and_count_progress(self):
        loans = LoanFactory.create_batch(7, due_on=D(2030, 1, 31))
        campaign = make_campaign(shift_amount=1, shift_unit="months")

        assert run(campaign, batch_size=3) == 7

        campaign.refresh_from_db()
        assert campaign.status == "done"
        assert campaign.finished_at is not None
        assert (campaign.rows_total, campaign.rows_done) == (7, 7)
        assert campaign.last_key == max(loan.pk for loan in loans)
        assert due_dates(loans) == [D(2030, 2, 28)] * 7
        change = campaign.changes.get(loan=loans[0])
        assert (change.old_date, change.new_date) == (D(2030, 1, 31), D(2030, 2, 28))

    def test_a_loan_lent_after_the_start_is_not_the_campaigns(self):
        before = LoanFactory.create_batch(2, due_on=D(2030, 1, 1))
        campaign = make_campaign(shift_amount=1)
        start_campaign(campaign=campaign, by=None)
        lent_meanwhile = LoanFactory(due_on=D(2030, 1, 1))

        run_campaign_batches(campaign_id=campaign.pk, batch_size=1)

        campaign.refresh_from_db()
        assert (campaign.rows_total, campaign.rows_done) == (2, 2)
        assert due_dates([*before, lent_meanwhile]) == [D(2030, 1, 8)] * 2 + [D(2030, 1, 1)]

    def test_a_campaign_started_before_max_key_existed_still_takes_every_row(self):
        loans = LoanFactory.create_batch(3, due_on=D(2030, 1, 1))
        campaign = make_campaign(shift_amount=1)
        start_campaign(campaign=campaign, by=None)
        ExtensionCampaign.objects.filter(pk=campaign.pk).update(max_key=0)

        run_campaign_batches(campaign_id=campaign.pk, batch_size=2)

        assert due_dates(loans) == [D(2030, 1, 8)] * 3

    def test_running_again_extends_nothing_twice(self):
        loans = LoanFactory.create_batch(4, due_on=D(2030, 1, 1))
        campaign = make_campaign(shift_amount=1)
        run(campaign)

        # Even rewound to its start, the recorded changes keep every loan from moving again.
        ExtensionCampaign.objects.filter(pk=campaign.pk).update(status="running", last_key=0)
        assert run_campaign_batches(campaign_id=campaign.pk, batch_size=2) == 0

        assert due_dates(loans) == [D(2030, 1, 8)] * 4
        assert campaign.changes.count() == 4

    def test_a_crash_mid_way_resumes_where_it_stopped(self, monkeypatch):
        loans = LoanFactory.create_batch(5, due_on=D(2030, 1, 1))
        campaign = make_campaign(shift_amount=1)
        start_campaign(campaign=campaign, by=None)
        real_batch = campaigns.runs._extend_batch
        monkeypatch.setattr(campaigns.runs, "_extend_batch", crash_in_second_call(real_batch))
        with pytest.raises(RuntimeError):
            run_campaign_batches(campaign_id=campaign.pk, batch_size=2)

        campaign.refresh_from_db()
        assert campaign.status == "failed"
        assert campaign.rows_done == 2
        assert campaign.last_key == loans[1].pk
        assert due_dates(loans) == [D(2030, 1, 8)] * 2 + [D(2030, 1, 1)] * 3

        monkeypatch.setattr(campaigns.runs, "_extend_batch", real_batch)
        assert run_campaign_batches(campaign_id=campaign.pk, batch_size=2) == 3

        campaign.refresh_from_db()
        assert campaign.status == "done"
        assert (campaign.rows_total, campaign.rows_done) == (5, 5)
        assert due_dates(loans) == [D(2030, 1, 8)] * 5
        assert campaign.changes.count() == 5


class TestUndo:
    def test_undo_restores_the_old_dates(self):
        loans = [LoanFactory(due_on=D(2030, 1, 31)), LoanFactory(due_on=D(2030, 2, 15))]
        campaign = make_campaign(shift_amount=1, shift_unit="months")
        run(campaign)
        staff = StaffFactory()

        assert undo_campaign(campaign=campaign, by=staff) == 2

        assert due_dates(loans) == [D(2030, 1, 31), D(2030, 2, 15)]
        assert campaign.status == "undone"

    def test_undo_keeps_a_date_changed_since(self):
        renewed, untouched = LoanFactory.create_batch(2, due_on=D(2030, 1, 1))
        campaign = make_campaign(shift_amount=1)
        run(campaign)
        Loan.objects.filter(pk=renewed.pk).update(due_on=D(2030, 3, 1))

        assert undo_campaign(campaign=campaign, by=None) == 1

        assert due_dates([renewed, untouched]) == [D(2030, 3, 1), D(2030, 1, 1)]

    def test_undo_restores_memberships(self, midday):
        ended = midday - datetime.timedelta(days=10)
        patron = PatronFactory(membership_expires_on=ended)
        campaign = make_campaign(
            kind="memberships",
            ended_on_or_after=ended,
            shift_amount=4,
            shift_unit="months",
        )
        run(campaign)
        patron.refresh_from_db()
        assert patron.membership_expires_on > ended

        undo_campaign(campaign=campaign, by=None)

        patron.refresh_from_db()
        assert patron.membership_expires_on == ended


class TestBatchedUndo:
    def test_an_undo_that_crashes_resumes_and_restores_each_row_once(self, monkeypatch):
        loans = LoanFactory.create_batch(5, due_on=D(2030, 1, 1))
        campaign = make_campaign(shift_amount=1)
        run(campaign)
        campaigns.start_undo(campaign=campaign, by=None)
        batch = "_undo_batch_postgresql" if connection.vendor == "postgresql" else "_undo_batch_orm"
        real_batch = getattr(campaigns.undo, batch)
        monkeypatch.setattr(campaigns.undo, batch, crash_in_second_call(real_batch))
        with pytest.raises(RuntimeError):
            campaigns.run_undo_batches(campaign_id=campaign.pk, batch_size=2)

        campaign.refresh_from_db()
        assert campaign.status == "undoing"
        assert campaign.rows_undone == 2
        assert due_dates(loans) == [D(2030, 1, 1)] * 2 + [D(2030, 1, 8)] * 3
        # Meanwhile the desk renews a loan that is still extended: it keeps its new date.
        Loan.objects.filter(pk=loans[4].pk).update(due_on=D(2030, 3, 1))

        monkeypatch.setattr(campaigns.undo, batch, real_batch)
        assert campaigns.run_undo_batches(campaign_id=campaign.pk, batch_size=2) == 2

        campaign.refresh_from_db()
        assert campaign.status == "undone"
        assert campaign.rows_undone == 4
        assert due_dates(loans) == [D(2030, 1, 1)] * 4 + [D(2030, 3, 1)]

    def test_no_campaign_of_the_kind_starts_while_one_is_being_undone(self):
        LoanFactory()
        undoing = make_campaign(name="Undoing")
        run(undoing)
        campaigns.start_undo(campaign=undoing, by=None)

        with pytest.raises(AnotherCampaignRunning):
            start_campaign(campaign=make_campaign(name="Next"), by=None)

    @pytest.mark.parametrize("status", ["draft", "running", "undone"])
    def test_only_a_done_or_failed_campaign_can_be_undone(self, status):
        campaign = make_campaign(status=status)
        with pytest.raises(campaigns.NotUndoable):
            campaigns.start_undo(campaign=campaign, by=None)
        campaign.refresh_from_db()
        assert campaign.status == status


class TestCarryOnAndSweeper:
    def test_carry_on_resumes_a_failed_campaign_then_notifies(self):
        loans = LoanFactory.create_batch(3, due_on=D(2030, 1, 1))
        campaign = make_campaign(shift_amount=1, notify_patrons=True)
        start_campaign(campaign=campaign, by=None)
        ExtensionCampaign.objects.filter(pk=campaign.pk).update(status="failed")

        campaign = campaigns.carry_on(campaign_id=campaign.pk, batch_size=2)

        assert campaign.status == "done"
        assert campaign.notified_at is not None
        assert campaign.notifications_queued == 3  # three patrons, one loan each
        assert due_dates(loans) == [D(2030, 1, 8)] * 3
        assert not campaigns.work_left(campaign)

    def test_stalled_campaigns_are_those_with_work_left_and_no_recent_progress(self):
        long_ago = timezone.now() - datetime.timedelta(minutes=10)
        now = timezone.now()
        stalled = {
            make_campaign(name="Running", status="running", progressed_at=long_ago),
            make_campaign(
                name="Undoing", kind="memberships", ended_on_or_after=D(2020, 9, 1),
                status="undoing", progressed_at=long_ago,
            ),
            make_campaign(name="E-mails", status="done", progressed_at=long_ago),
        }  # fmt: skip
        make_campaign(name="Fresh", status="failed", progressed_at=long_ago)
        make_campaign(name="Draft", status="draft")
        make_campaign(name="Told", status="done", notified_at=now, progressed_at=long_ago)
        make_campaign(name="Silent", status="done", notify_patrons=False, progressed_at=long_ago)
        make_campaign(name="Undone", status="undone", progressed_at=long_ago)

        assert set(campaigns.stalled_campaigns(older_than_seconds=300)) == stalled
        assert not campaigns.stalled_campaigns(older_than_seconds=3600).exists()

    def test_the_sweeper_task_carries_a_stalled_campaign_to_its_end(self):
        loans = LoanFactory.create_batch(3, due_on=D(2030, 1, 1))
        campaign = make_campaign(shift_amount=1, notify_patrons=False)
        start_campaign(campaign=campaign, by=None)  # as if its worker died at once

        assert tasks.resume_stalled_campaigns(older_than_seconds=0) == 1

        campaign.refresh_from_db()
        assert campaign.status == "done"
        assert due_dates(loans) == [D(2030, 1, 8)] * 3
        assert tasks.resume_stalled_campaigns(older_than_seconds=0) == 0


class TestRefusals:
    @pytest.mark.parametrize("amount", [0, -1])
    def test_a_shift_that_is_not_positive_cannot_be_saved(self, amount):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_campaign(shift_amount=amount)

    @pytest.mark.parametrize("amount", [0, -3])
    def test_a_shift_that_is_not_positive_cannot_be_started(self, amount):
        LoanFactory()
        campaign = ExtensionCampaign(
            kind="loans", name="x", shift_amount=amount, shift_unit="weeks"
        )
        with pytest.raises(InvalidShift):
            start_campaign(campaign=campaign, by=None)

    def test_a_reversed_due_range_cannot_be_saved(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_campaign(due_from=D(2030, 2, 1), due_to=D(2030, 1, 1))

    def test_a_campaign_selecting_nothing_is_refused_and_stays_a_draft(self):
        LoanFactory(due_on=D(2030, 1, 1))
        campaign = make_campaign(due_from=D(2031, 1, 1), due_to=D(2031, 1, 31))

        with pytest.raises(NothingSelected, match="ne sélectionne rien"):
            start_campaign(campaign=campaign, by=None)

        campaign.refresh_from_db()
        assert campaign.status == "draft"

    def test_a_campaign_cannot_be_started_twice(self):
        LoanFactory()
        campaign = make_campaign()
        start_campaign(campaign=campaign, by=None)

        with pytest.raises(AlreadyStarted):
            start_campaign(campaign=campaign, by=None)

    def test_a_second_campaign_of_the_same_kind_cannot_run_meanwhile(self):
        loan = LoanFactory(due_on=D(2030, 1, 1))
        first = make_campaign()
        start_campaign(campaign=first, by=None)
        second = make_campaign(name="Second")

        with pytest.raises(AnotherCampaignRunning):
            start_campaign(campaign=second, by=None)

        second.refresh_from_db()
        assert second.status == "draft"
        assert due_dates([loan]) == [D(2030, 1, 1)]

    def test_the_database_refuses_a_second_running_campaign_of_a_kind(self):
        make_campaign(status="running")
        make_campaign(kind="memberships", ended_on_or_after=D(2020, 1, 1), status="running")
        with pytest.raises(IntegrityError), transaction.atomic():
            make_campaign(status="running")

    def test_the_service_turns_the_race_into_a_clear_refusal(self, monkeypatch):
        LoanFactory()
        make_campaign(status="running")
        second = make_campaign(name="Second")
        # As if the first had started between the check and the save.
        monkeypatch.setattr(
            ExtensionCampaign.objects, "filter", lambda **kw: ExtensionCampaign.objects.none()
        )

        with pytest.raises(AnotherCampaignRunning):
            start_campaign(campaign=second, by=None)

    def test_a_done_campaign_cannot_be_run_again(self):
        LoanFactory()
        campaign = make_campaign()
        run(campaign)
        with pytest.raises(NotRunnable):
            run_campaign_batches(campaign_id=campaign.pk)


class TestCommand:
    def test_starts_and_runs_a_draft_printing_progress(self):
        loans = LoanFactory.create_batch(3, due_on=D(2030, 1, 1))
        campaign = make_campaign(shift_amount=1)
        out = StringIO()

        call_command("run_campaign", str(campaign.pk), "--batch-size", "2", stdout=out)

        assert "2/3 rows changed" in out.getvalue()
        assert "3 of 3 rows changed" in out.getvalue()
        assert due_dates(loans) == [D(2030, 1, 8)] * 3

    def test_an_unknown_campaign_is_a_clear_error(self):
        with pytest.raises(CommandError, match="No extension campaign has the id 999999"):
            call_command("run_campaign", "999999")

    def test_undo_gives_the_dates_back(self):
        loans = LoanFactory.create_batch(2, due_on=D(2030, 1, 1))
        campaign = make_campaign(shift_amount=1)
        call_command("run_campaign", str(campaign.pk), stdout=StringIO())
        out = StringIO()

        call_command("run_campaign", str(campaign.pk), "--undo", stdout=out)

        assert "2 of 2 rows given back their old date" in out.getvalue()
        assert due_dates(loans) == [D(2030, 1, 1)] * 2

    def test_undo_resumes_an_undo_that_stopped(self):
        loans = LoanFactory.create_batch(2, due_on=D(2030, 1, 1))
        campaign = make_campaign(shift_amount=1, notify_patrons=False)
        call_command("run_campaign", str(campaign.pk), stdout=StringIO())
        campaigns.start_undo(campaign=campaign, by=None)  # and its worker died

        call_command("run_campaign", str(campaign.pk), "--undo", stdout=StringIO())

        campaign.refresh_from_db()
        assert campaign.status == "undone"
        assert due_dates(loans) == [D(2030, 1, 1)] * 2

    def test_a_finished_campaign_is_not_run_again(self):
        LoanFactory()
        campaign = make_campaign(notify_patrons=False)
        call_command("run_campaign", str(campaign.pk), stdout=StringIO())

        with pytest.raises(CommandError, match="ne peut pas être exécutée"):
            call_command("run_campaign", str(campaign.pk))

    def test_a_refusal_is_a_clear_error(self):
        campaign = make_campaign(due_from=D(2031, 1, 1), due_to=D(2031, 1, 2))
        with pytest.raises(CommandError, match="ne sélectionne rien"):
            call_command("run_campaign", str(campaign.pk))
