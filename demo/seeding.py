"""Fill an empty database with the demo network, or wipe the demo data first."""

import dataclasses
import datetime
import time
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from accounts.models import User
from branches.models import Branch, Closure, OpeningHours, PostcodeArea
from catalog.models import DocumentType, Item, Record
from reservations.models import Loan, Reservation

from . import branches as demo_branches
from . import catalogue, people, sources
from .bulk_load import Progress, load_rows, reset_sequences
from .loans import LOAN_COLUMNS, loan_rows
from .orders import DemoOrders, place_demo_orders

DOCUMENT_TYPES = (
    # code, French name, English name, loan days, quarantine days
    (sources.BOOK, "Livre", "Book", 21, 3),
    (sources.CD, "CD", "CD", 21, 3),
    # Films go out for two weeks, as in most French public libraries.
    (sources.DVD, "DVD", "DVD", 14, 3),
)
# Without --loans: this many loans per patron, on at most one copy in ten.
LOANS_PER_PATRON = 4
LENT_SHARE_AT_MOST = 10


class SeedRefused(ValueError):
    """The numbers asked for cannot make a consistent network; nothing was written."""


@dataclass
class SeedSummary:
    """What the seed created, for the operator."""

    branches: int = 0
    click_and_collect_branches: int = 0
    branches_with_default_hours: list[str] = field(default_factory=list)
    real_records: int = 0
    records: int = 0
    records_seconds: float = 0.0
    copies: int = 0
    copies_seconds: float = 0.0
    patrons: int = 0
    loans: int = 0
    overdue_loans: int = 0
    loans_seconds: float = 0.0
    orders: DemoOrders = field(default_factory=DemoOrders)
    logins: list[people.Login] = field(default_factory=list)


def database_has_data() -> bool:
    """Return whether any branch, postcode area, record or user exists."""
    return any(model.objects.exists() for model in (Branch, PostcodeArea, Record, User))


def wipe_demo_data() -> None:
    """Delete the catalogue, the branches and the users (and what refers to them)."""
    # Loans first: they protect their copies and patrons from deletion.
    wiped = (Loan, Item, Record, OpeningHours, Closure, Branch, PostcodeArea, User)
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in wiped)
        with connection.cursor() as cursor:
            # TRUNCATE refuses tables with foreign-key checks still pending in the
            # transaction (rows written earlier in it, as in tests): run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # CASCADE also empties the tables that point at these (orders, audit...).
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        return
    for model in wiped:
        model.objects.all().delete()


def seed_demo(
    *,
    records: int | None,
    copies: int,
    patrons: int,
    loans: int | None = None,
    seed: int,
    batch_size: int,
    progress: Progress | None = None,
) -> SeedSummary:
    """Create the branches, document types, catalogue, copies, people and current loans.

    ``records`` None means every real record once; ``loans`` None means
    ``LOANS_PER_PATRON`` per patron, on at most one copy in ``LENT_SHARE_AT_MOST``.
    Raise SeedRefused, having written nothing, when the loans cannot be made.
    The database must hold no branch, record or user; the caller owns the
    transaction.
    """
    now = timezone.now()
    summary = SeedSummary()
    real = sources.read_real_records()
    summary.real_records = len(real)
    count = len(real) if records is None else records
    total_copies = catalogue.count_copies(count, copies=copies, seed=seed)
    loans = loans_to_make(loans, patrons=patrons, copies=total_copies)

    specs = demo_branches.read_lending_branches()
    branches = demo_branches.create_branches(specs)
    demo_branches.create_postcode_areas()
    summary.branches = len(branches)
    summary.click_and_collect_branches = sum(spec.click_and_collect_enabled for spec in specs)
    summary.branches_with_default_hours = [spec.name for spec in specs if spec.hours_are_default]
    type_ids = create_document_types()

    started = time.perf_counter()
    summary.records = load_rows(
        Record,
        catalogue.RECORD_COLUMNS,
        catalogue.record_rows(real, count, document_type_ids=type_ids, timestamp=now),
        batch_size=batch_size,
        progress=progress,
        label="records",
    )
    summary.records_seconds = time.perf_counter() - started
    started = time.perf_counter()
    lent = catalogue.lent_copies(total_copies, loans, seed=seed)
    summary.copies = load_rows(
        Item,
        catalogue.ITEM_COLUMNS,
        catalogue.item_rows(
            real,
            count,
            branch_ids=[branch.pk for branch in branches],
            copies=copies,
            seed=seed,
            timestamp=now,
            lent=lent,
        ),
        batch_size=batch_size,
        progress=progress,
        label="copies",
    )
    summary.copies_seconds = time.perf_counter() - started
    reset_sequences(Record, Item)

    today = timezone.localdate(now)
    summary.logins = people.create_staff(branches)
    created = people.create_patrons(
        patrons, branches=branches, seed=seed, today=today, timestamp=now, batch_size=batch_size
    )
    summary.patrons = len(created.ids)

    started = time.perf_counter()
    rows = loan_rows(
        real,
        count,
        copies=copies,
        seed=seed,
        lent=lent,
        patron_ids=created.ids,
        loan_days={code: days for code, _fr, _en, days, _quarantine in DOCUMENT_TYPES},
        today=today,
        time_zone=timezone.get_current_timezone(),
    )
    summary.loans = load_rows(
        Loan, LOAN_COLUMNS, rows, batch_size=batch_size, progress=progress, label="loans"
    )
    summary.loans_seconds = time.perf_counter() - started
    reset_sequences(Loan)
    summary.overdue_loans = Loan.objects.filter(due_on__lt=today).count()
    summary.logins += with_loans(created, today=today)
    librarian = (
        User.objects.filter(card_number=people.LIBRARIAN_CARD).select_related("home_branch").get()
    )
    summary.orders = place_demo_orders(
        branch=librarian.home_branch, patron_ids=created.ids, librarian=librarian, now=now
    )
    summary.logins = with_orders(summary.logins)
    return summary


def loans_to_make(loans: int | None, *, patrons: int, copies: int) -> int:
    """Return how many loans to make, the default if None; raise SeedRefused if impossible."""
    if loans is None:
        return min(LOANS_PER_PATRON * patrons, copies // LENT_SHARE_AT_MOST)
    if loans > copies:
        raise SeedRefused(
            f"--loans {loans:,} is more than the {copies:,} copies the catalogue will have: "
            "a copy is lent to one patron at a time. Ask for fewer loans, or more "
            "--records or --copies."
        )
    if loans and not patrons:
        raise SeedRefused(f"--loans {loans:,} needs patrons to lend to, and --patrons is 0.")
    return loans


def with_loans(created: people.CreatedPatrons, *, today: datetime.date) -> list[people.Login]:
    """Return the patrons' sign-in lines, each noting the patron's loans."""
    shown = created.ids[: len(created.logins)]
    counts = {
        row["patron_id"]: row
        for row in Loan.objects.filter(patron_id__in=shown)
        .values("patron_id")
        .annotate(loans=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
        .order_by()
    }
    logins = []
    for patron_id, login in zip(shown, created.logins, strict=True):
        row = counts.get(patron_id, {"loans": 0, "overdue": 0})
        loans = f"{row['loans']} loan{pluralize(row['loans'])}"
        if row["overdue"]:
            loans += f" ({row['overdue']} overdue)"
        logins.append(dataclasses.replace(login, note=f"{login.note}; {loans}"))
    return logins


def with_orders(logins: list[people.Login]) -> list[people.Login]:
    """Return the sign-in lines, each patron's noting their orders ("order ready")."""
    statuses: dict[str, list[str]] = {}
    for card_number, status in (
        Reservation.objects.filter(patron__card_number__in=[login.card_number for login in logins])
        .order_by("submitted_at")
        .values_list("patron__card_number", "status")
    ):
        statuses.setdefault(card_number, []).append(status)
    return [
        dataclasses.replace(
            login,
            note=f"{login.note}; order{pluralize(len(statuses[login.card_number]))} "
            + ", ".join(statuses[login.card_number]),
        )
        if login.card_number in statuses
        else login
        for login in logins
    ]


def create_document_types() -> dict[str, int]:
    """Create or update the seeded document types; return their ids by code."""
    ids = {}
    for code, name_fr, name_en, loan_days, quarantine_days in DOCUMENT_TYPES:
        document_type, _created = DocumentType.objects.update_or_create(
            code=code,
            defaults={
                "name_fr": name_fr,
                "name_en": name_en,
                "reservable_online": True,
                "loan_days": loan_days,
                "quarantine_days": quarantine_days,
            },
        )
        ids[code] = document_type.pk
    return ids
