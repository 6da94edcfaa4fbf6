"""``manage.py seed_demo``: fill an empty database with a demo library network."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import ProtectedError

from demo import people
from demo.catalogue import MAX_BARCODE_NUMBER
from demo.seeding import (
    LOANS_PER_PATRON,
    SeedRefused,
    SeedSummary,
    database_has_data,
    seed_demo,
    wipe_demo_data,
)

PROGRESS_EVERY_SECONDS = 2.0


class Command(BaseCommand):
    help = (
        "Seed the demo network: the Paris lending libraries with their hours, the book/CD/DVD "
        "document types, a catalogue built from open bibliographic data (cycled into further "
        "editions past its ~23,700 real records), copies spread over the branches, demo "
        "patrons and staff, and current loans. Refuses a database that holds any branch, "
        "record or user."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--records",
            type=int,
            default=None,
            help="Number of records (default: every real record once, about 23,700).",
        )
        parser.add_argument(
            "--copies", type=int, default=3, help="Average copies per record (default: 3)."
        )
        parser.add_argument(
            "--patrons", type=int, default=50, help="Number of demo patrons (default: 50)."
        )
        parser.add_argument(
            "--loans",
            type=int,
            default=None,
            help=(
                "Number of current loans, one per copy, spread over the patrons and copies; "
                f"the copies lent are on loan, the others never are (default: {LOANS_PER_PATRON} "
                "per patron, on at most one copy in ten)."
            ),
        )
        parser.add_argument(
            "--seed", type=int, default=2020, help="Random seed; same seed, same data."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="Rows per INSERT batch on SQLite, and between progress checks (default: 5000).",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="With --force, do not ask for confirmation before deleting.",
        )
        emptiness = parser.add_mutually_exclusive_group()
        emptiness.add_argument(
            "--force",
            action="store_true",
            help="Delete the catalogue, branches and users (and what refers to them) first.",
        )
        emptiness.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing, successfully, when the database already holds data.",
        )

    def handle(self, *args, **options):
        self._check_numbers(options)
        has_data = database_has_data()
        if has_data and options["if_empty"]:
            self.stdout.write("The database already holds data: demo seed skipped.")
            return
        if has_data and not options["force"]:
            raise CommandError(
                "The database already holds branches, records or users. "
                "Run with --force to delete them and seed again, "
                "or with --if-empty to leave a non-empty database alone."
            )
        if has_data and options["interactive"]:
            self._confirm_wipe()
        self._last_report = started = time.perf_counter()
        try:
            with transaction.atomic():
                if has_data:
                    self.stdout.write("Deleting the catalogue, branches and users...")
                    wipe_demo_data()
                summary = seed_demo(
                    records=options["records"],
                    copies=options["copies"],
                    patrons=options["patrons"],
                    loans=options["loans"],
                    seed=options["seed"],
                    batch_size=options["batch_size"],
                    progress=self._report_progress,
                )
                loaded = time.perf_counter()
            # Committing is not free: PostgreSQL checks the deferred foreign keys of every row.
            committed = time.perf_counter()
        except ProtectedError as error:
            raise CommandError(f"Cannot delete the existing data: {error.args[0]}") from error
        except SeedRefused as error:
            raise CommandError(f"{error} Nothing was written.") from error
        self._print_summary(summary, committed - started, committed - loaded)

    def _confirm_wipe(self) -> None:
        """Ask before --force deletes a database's users and catalogue, as `flush` does."""
        name = connection.settings_dict["NAME"]
        answer = input(
            f"This deletes every branch, record, copy and user of the database {name!r}, "
            "and everything that refers to them (orders, loans...).\n"
            "Type 'yes' to continue, or 'no' to cancel: "
        )
        if answer.strip().lower() != "yes":
            raise CommandError("Seed cancelled: nothing was deleted.")

    def _check_numbers(self, options) -> None:
        records = options["records"]
        if records is not None and records < 0:
            raise CommandError("--records must be 0 or more.")
        if options["copies"] < 1:
            raise CommandError("--copies must be 1 or more.")
        if options["patrons"] < 0:
            raise CommandError("--patrons must be 0 or more.")
        if options["loans"] is not None and options["loans"] < 0:
            raise CommandError("--loans must be 0 or more.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        if records is not None and records * (2 * options["copies"] - 1) > MAX_BARCODE_NUMBER:
            raise CommandError(
                f"--records x --copies could exceed {MAX_BARCODE_NUMBER:,} copies, "
                "the most the 8-digit barcode numbers allow."
            )

    def _report_progress(self, label: str, written: int, elapsed: float) -> None:
        now = time.perf_counter()
        if now - self._last_report < PROGRESS_EVERY_SECONDS:
            return
        self._last_report = now
        self.stdout.write(f"  {label}: {written:,} ({_rate(written, elapsed)}/s)")

    def _print_summary(self, summary: SeedSummary, elapsed: float, commit: float) -> None:
        write, style = self.stdout.write, self.style
        write(style.SUCCESS(f"Demo network seeded in {elapsed:.1f} s:"))
        write(
            f"  {summary.branches} branches, {summary.click_and_collect_branches} "
            "with click & collect"
        )
        if summary.branches_with_default_hours:
            write(
                f"  {len(summary.branches_with_default_hours)} with default opening hours "
                f"(none or 'closed' in the data): {', '.join(summary.branches_with_default_hours)}"
            )
        real_records = min(summary.records, summary.real_records)
        write(
            f"  {summary.records:,} records ({real_records:,} real) in "
            f"{summary.records_seconds:.1f} s, {_rate(summary.records, summary.records_seconds)}"
            " records/s"
        )
        write(
            f"  {summary.copies:,} copies in {summary.copies_seconds:.1f} s, "
            f"{_rate(summary.copies, summary.copies_seconds)} copies/s"
        )
        write(f"  {summary.patrons:,} patrons, 3 staff")
        write(
            f"  {summary.loans:,} current loans ({summary.overdue_loans:,} overdue) in "
            f"{summary.loans_seconds:.1f} s, {_rate(summary.loans, summary.loans_seconds)}"
            f" loans/s; commit took {commit:.1f} s"
        )
        if summary.orders.by_status:
            placed = sum(count for _status, count in summary.orders.by_status)
            states = ", ".join(f"{count} {status}" for status, count in summary.orders.by_status)
            write(f"  {placed} orders at {summary.orders.branch}: {states}")
        write(style.MIGRATE_HEADING("Sign in with:"))
        rows = [("role", "card number", "password", "name", "")] + [
            (login.role, login.card_number, login.password, login.name, login.note)
            for login in summary.logins
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        for number, row in enumerate(rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            line = "  " + "  ".join(cells) + ("  " + row[4] if row[4] else "")
            write(style.MIGRATE_LABEL(line) if number == 0 else line.rstrip())
        write(
            f"  Every patron ({people.FIRST_CARD_NUMBER}...) signs in with "
            f"'{people.PATRON_PASSWORD}'."
        )


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"
