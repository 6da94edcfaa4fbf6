"""`manage.py seed_demo --loans`: current loans spread over the patrons and the copies."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from branches.models import Branch
from catalog.models import Item, ItemStatus, Record
from demo import bulk_load, catalogue, loans, seeding
from reservations.models import Loan

SMALL = {"records": 300, "patrons": 20, "seed": 7}


def seed(**options) -> str:
    """Run the command with the given options; return what it printed."""
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **{"interactive": False, **options})
    return out.getvalue()


def loans_snapshot() -> list[tuple]:
    return list(
        Loan.objects.order_by("id").values_list(
            "item__barcode", "patron__card_number", "out_at", "due_on", "returned_at"
        )
    )


def loans_of(card_number: str) -> list[Loan]:
    return list(
        Loan.objects.filter(patron__card_number=card_number)
        .select_related("item__record__document_type")
        .order_by("due_on")
    )


@pytest.mark.usefixtures("midday")
class TestLoans:
    def test_exactly_the_lent_copies_are_on_loan_each_with_one_open_loan(self, db):
        seed(loans=150, **SMALL)
        assert Loan.objects.count() == 150
        assert not Loan.objects.filter(returned_at__isnull=False).exists()
        lent = set(Loan.objects.values_list("item_id", flat=True))
        on_loan = set(Item.objects.filter(status=ItemStatus.ON_LOAN).values_list("pk", flat=True))
        assert lent == on_loan
        assert len(lent) == 150  # one loan per copy

    def test_loans_are_spread_over_the_patrons_and_the_catalogue(self, db):
        seed(loans=400, **SMALL)
        per_patron = dict(
            Loan.objects.values_list("patron__card_number").annotate(Count("pk")).order_by()
        )
        assert len(per_patron) == 20  # every patron borrows something
        assert not User.objects.filter(is_staff=True, loans__isnull=False).exists()
        # Evenly over the copies: lent copies are found across the whole id range.
        item_ids = sorted(Loan.objects.values_list("item_id", flat=True))
        copies = Item.objects.count()
        assert item_ids[len(item_ids) // 2] == pytest.approx(copies / 2, rel=0.2)
        assert Loan.objects.values("item__branch").distinct().count() > 30

    def test_due_dates_are_mostly_in_the_coming_four_weeks_some_overdue(self, db):
        seed(loans=400, **SMALL)
        today = timezone.localdate()
        days = [(loan.due_on - today).days for loan in Loan.objects.order_by("id")]
        overdue = sum(day < 0 for day in days)
        assert 0.05 * len(days) < overdue < 0.25 * len(days)
        assert all(-loans.LONGEST_OVERDUE_DAYS <= day <= 27 for day in days[8:])
        assert min(days) == -45  # the demo patron whose membership has expired

    def test_a_loan_went_out_before_today_one_or_more_loan_periods_before_its_due_date(self, db):
        seed(loans=200, **SMALL)
        today = timezone.localdate()
        for loan in Loan.objects.select_related("item__record__document_type"):
            out_on = timezone.localtime(loan.out_at).date()
            period = loan.item.record.document_type.loan_days
            assert out_on < today
            assert (loan.due_on - out_on).days % period == 0
            assert 10 <= timezone.localtime(loan.out_at).hour < 19

    def test_no_loans_means_no_copy_on_loan(self, db):
        seed(loans=0, **SMALL)
        assert not Loan.objects.exists()
        assert not Item.objects.filter(status=ItemStatus.ON_LOAN).exists()
        assert Item.objects.filter(status=ItemStatus.AVAILABLE).count() > 0.9 * Item.objects.count()

    def test_every_copy_can_be_lent(self, db):
        seed(records=30, patrons=3, seed=7, loans=10)
        copies = Item.objects.count()
        seed(force=True, records=30, patrons=3, seed=7, loans=copies)
        assert Loan.objects.count() == copies
        assert set(Item.objects.values_list("status", flat=True)) == {ItemStatus.ON_LOAN}

    def test_the_summary_counts_the_loans(self, db):
        output = seed(loans=120, **SMALL)
        overdue = Loan.objects.filter(due_on__lt=timezone.localdate()).count()
        assert f"120 current loans ({overdue} overdue)" in output

    def test_the_insert_fallback_writes_the_same_loans(self, db, monkeypatch):
        # The fallback (SQLite's path) run here on PostgreSQL: the code path is what matters.
        seed(loans=100, **SMALL)
        with_copy = loans_snapshot()
        monkeypatch.setattr(seeding, "load_rows", bulk_load.insert_rows)
        seed(force=True, loans=100, **SMALL)
        assert loans_snapshot() == with_copy
        assert (
            Loan.objects.create(
                item=Item.objects.filter(status=ItemStatus.AVAILABLE).first(),
                patron=User.objects.get(card_number="10000005"),
                out_at=timezone.now(),
                due_on=timezone.localdate(),
            ).pk
            == 101
        )


class TestDefault:
    def test_four_loans_per_patron_by_default(self, db):
        seed(**SMALL)
        assert Loan.objects.count() == seeding.LOANS_PER_PATRON * 20

    def test_the_default_lends_at_most_one_copy_in_ten(self, db):
        seed(records=20, patrons=50, seed=7)
        assert Loan.objects.count() == Item.objects.count() // 10

    def test_no_patron_no_loan_by_default(self, db):
        seed(records=20, patrons=0, seed=7)
        assert not Loan.objects.exists()


@pytest.mark.usefixtures("midday")
class TestDemoPatrons:
    def test_the_first_patron_has_three_loans_one_overdue_one_due_soon(self, db):
        seed(**SMALL)
        today = timezone.localdate()
        due = [(loan.due_on - today).days for loan in loans_of("10000001")]
        assert due == [-5, 2, 16]

    def test_each_case_of_the_sign_in_table_has_its_loans(self, db):
        seed(**SMALL)
        today = timezone.localdate()
        days = {
            card: [(loan.due_on - today).days for loan in loans_of(card)]
            for card in ("10000002", "10000003", "10000004")
        }
        assert days == {"10000002": [6, 19], "10000003": [-45], "10000004": [3, 24]}

    def test_the_sign_in_table_says_how_many_loans(self, db):
        output = seed(**SMALL)
        assert re.search(r"10000001 .*; 3 loans \(1 overdue\)", output)
        assert re.search(r"10000002 .*; 2 loans(;|$)", output, re.MULTILINE)
        assert re.search(r"10000003 .*EXPIRED.*; 1 loan \(1 overdue\)", output)

    def test_the_demo_loans_do_not_depend_on_the_size_of_the_network(self, db):
        seed(records=40, patrons=4, seed=7, loans=8)
        assert [len(loans_of(f"1000000{n}")) for n in range(1, 5)] == [3, 2, 1, 2]
        assert Loan.objects.count() == 8

    def test_fewer_loans_than_the_demo_cases_go_to_the_first_patrons(self, db):
        seed(records=40, patrons=4, seed=7, loans=4)
        assert [len(loans_of(f"1000000{n}")) for n in range(1, 5)] == [3, 1, 0, 0]

    def test_the_default_demo_seed_shows_loans_to_its_patrons(self, db):
        seed(copies=1, seed=2020)  # what `make run` does, with one copy per record for speed
        assert Loan.objects.count() == 200
        assert len(loans_of("10000001")) == 3


class TestRefusals:
    def test_more_loans_than_copies_is_refused_and_nothing_is_written(self, db):
        copies = catalogue.count_copies(300, copies=3, seed=7)
        with pytest.raises(
            CommandError, match=f"--loans {copies + 1:,} is more than the"
        ) as refusal:
            seed(loans=copies + 1, **SMALL)
        assert "Nothing was written" in str(refusal.value)
        assert not Branch.objects.exists()
        assert not Record.objects.exists()
        assert not User.objects.exists()
        assert not Loan.objects.exists()

    def test_with_force_the_existing_data_is_kept(self, db):
        seed(loans=50, **SMALL)
        before = (Item.objects.count(), User.objects.count(), loans_snapshot())
        with pytest.raises(CommandError, match="copies the catalogue will have"):
            seed(force=True, records=10, patrons=5, seed=7, loans=1_000)
        assert (Item.objects.count(), User.objects.count(), loans_snapshot()) == before

    def test_loans_without_patrons_are_refused(self, db):
        with pytest.raises(CommandError, match="needs patrons"):
            seed(records=20, patrons=0, seed=7, loans=5)
        assert not Branch.objects.exists()

    def test_a_negative_number_of_loans_is_refused(self, db):
        with pytest.raises(CommandError, match="--loans must be 0 or more"):
            seed(loans=-1, **SMALL)


class TestDeterminism:
    def test_the_same_seed_gives_the_same_loans(self, db):
        seed(loans=150, **SMALL)
        first = loans_snapshot()
        seed(force=True, loans=150, **SMALL)
        assert loans_snapshot() == first

    def test_another_seed_gives_other_loans(self, db):
        seed(loans=150, **SMALL)
        first = loans_snapshot()
        seed(force=True, loans=150, **{**SMALL, "seed": 8})
        assert loans_snapshot() != first
        assert Loan.objects.count() == 150


class TestLentCopies:
    @pytest.mark.parametrize(("total", "lent"), [(0, 0), (10, 0), (10, 10), (1000, 337)])
    def test_exactly_the_number_asked_is_chosen(self, total, lent):
        assert sum(catalogue.lent_copies(total, lent, seed=1)) == lent

    def test_more_than_the_copies_is_an_error(self):
        with pytest.raises(ValueError, match="cannot lend"):
            catalogue.lent_copies(5, 6, seed=1)

    def test_the_count_matches_the_copies_written(self):
        draws = list(catalogue.copy_draws(500, copies=3, seed=4))
        assert catalogue.count_copies(500, copies=3, seed=4) == len(draws)
        assert {draw[0] for draw in draws} == set(range(500))

    def test_loan_rows_renew_a_loan_that_would_have_gone_out_today_or_later(self):
        real = seeding.sources.read_real_records()
        today = datetime.date(2026, 11, 29)
        rows = list(
            loans.loan_rows(
                real,
                50,
                copies=3,
                seed=1,
                lent=catalogue.lent_copies(
                    catalogue.count_copies(50, copies=3, seed=1), 30, seed=1
                ),
                patron_ids=list(range(100, 110)),
                loan_days={"book": 21, "cd": 21, "dvd": 14},
                today=today,
                time_zone=datetime.UTC,
            )
        )
        assert [row[0] for row in rows] == list(range(1, 31))
        assert all(row[3].date() < today for row in rows)
        assert [row[2] for row in rows[:8]] == [100, 100, 100, 101, 101, 102, 103, 103]
