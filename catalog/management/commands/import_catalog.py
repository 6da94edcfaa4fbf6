"""``manage.py import_catalog FILE``: import the library system's catalogue export."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.imports.branch_codes import BranchMapError, read_branch_map
from catalog.imports.formats import Format, NotACatalogueFile
from catalog.imports.loader import ImportAlreadyRunning
from catalog.services import BATCH_SIZE, MAX_WITHDRAWAL_SHARE, import_catalogue_file


class Command(BaseCommand):
    help = (
        "Import records and copies from a UNIMARC (995) or MARC 21 (952) ISO 2709 file, a "
        "MARCXML file or a CSV. Records are matched by identifier and copies by barcode, so "
        "importing the same file twice changes nothing. Unreadable records are reported and "
        "skipped; the rest of the file goes in."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The export file.")
        parser.add_argument(
            "--format",
            choices=Format.values,
            help="The file's format (default: guessed from its first bytes).",
        )
        parser.add_argument(
            "--branch-map",
            help="CSV of two columns: the library system's branch code, the branch's code.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and check everything, write nothing."
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="The file lists every copy: mark unavailable the copies it does not list.",
        )
        parser.add_argument(
            "--max-withdrawal",
            type=float,
            default=MAX_WITHDRAWAL_SHARE * 100,
            help="With --full, withdraw nothing if more than this percentage of the copies "
            "is missing (default: %(default)s).",
        )
        parser.add_argument(
            "--encoding", default="utf-8", help="Text encoding of a CSV file (default: utf-8)."
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        branch_map = None
        if options["branch_map"]:
            try:
                branch_map = read_branch_map(options["branch_map"])
            except BranchMapError as error:
                raise CommandError(str(error)) from None
        if not 0 <= options["max_withdrawal"] <= 100:
            raise CommandError("--max-withdrawal is a percentage, from 0 to 100.")
        bar = tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=path.name,
            disable=options["verbosity"] == 0 or None,  # None: only on a terminal
            file=sys.stderr,
        )

        def progress(position: int, report) -> None:
            bar.update(position - bar.n)
            bar.set_postfix(records=f"{report.records_read:,}", refresh=False)

        try:
            _catalog_import, report = import_catalogue_file(
                path=path,
                file_format=options["format"],
                branch_map=branch_map,
                dry_run=options["dry_run"],
                full_export=options["full"],
                encoding=options["encoding"],
                max_withdrawal_share=options["max_withdrawal"] / 100,
                batch_size=options["batch_size"],
                progress=progress,
            )
        except NotACatalogueFile:
            raise CommandError(
                f"{path.name} is not a catalogue file: expected UNIMARC or MARC 21 (ISO 2709), "
                "MARCXML, or a CSV whose header names at least record_id and title."
            ) from None
        except ImportAlreadyRunning:
            raise CommandError(
                "Another import is writing the catalogue; try again later."
            ) from None
        except LookupError as error:
            raise CommandError(str(error)) from None
        finally:
            bar.close()
        for line in report.summary_lines():
            self.stdout.write(line)
        if report.stopped:
            # What came before the break went in, but a cron job must see the failure.
            raise CommandError(f"The file could not be read to the end: {report.stopped}")
