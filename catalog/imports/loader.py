"""Write an import's records and copies into the catalogue, a batch at a time.

Each batch is one transaction: its records are upserted by identifier, its
copies by barcode, and what it saw is remembered in two temporary tables
(``cc_import_seen_record`` and ``cc_import_seen_barcode``, private to the
connection), which find the duplicates of a file and the copies a full
export no longer lists without holding either in memory.

Copies held for an order or on loan belong to the click & collect
lifecycle: an import never moves them, never changes their status, and
reports what the library system says of them instead. The batch locks the
copies it changes (``select_for_update``), so that a patron's order cannot
take one between the read and the write; orders skip locked copies.

On PostgreSQL the rows go in through ``COPY`` (records into a temporary
table, then one upsert from it; new copies straight into their table): at
a thousand records and a few thousand copies a batch, ``bulk_create``
spent more time compiling and quoting its SQL in Python than the database
spent writing (bench/import_catalog.py).

Longer than most modules: the batch's SQL (two temporary tables, upserts,
the full export's withdrawals) is one transaction's story, read best in one place.
"""

import contextlib
import datetime
import zlib
from collections.abc import Iterator

from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import DocumentType, Item, ItemStatus, Record
from .branch_codes import BranchResolver
from .mapping import DOCUMENT_TYPE_NAMES
from .records import ErrorKind, SourceRecord
from .report import ImportReport, count

SEEN_RECORDS = "cc_import_seen_record"
SEEN_BARCODES = "cc_import_seen_barcode"
# Barcodes the file lists on records it could not import (no title, unknown
# type, a duplicate record...): a full export still lists those copies.
LISTED_BARCODES = "cc_import_listed_barcode"
# A batch's records to write, on PostgreSQL; emptied at each commit.
RECORD_ROWS = "cc_import_record_rows"
RECORD_FIELDS = (
    "document_type_id",
    "title",
    "creators",
    "publisher",
    "year",
    "language",
    "isbn",
    "ean",
    "subjects",
    "summary",
)
LIFECYCLE_STATUSES = (ItemStatus.HELD, ItemStatus.ON_LOAN)
WITHDRAWABLE_STATUSES = (ItemStatus.AVAILABLE, ItemStatus.QUARANTINE)
# Deadlocks with a staff action locking the same copies are retried.
ATTEMPTS = 3
LOCK_KEY = zlib.crc32(b"catalog.import")


class ImportAlreadyRunning(Exception):
    """Another import is writing the catalogue; two at once would race on copies."""


@contextlib.contextmanager
def exclusive_import() -> Iterator[None]:
    """Hold the network-wide import lock (a PostgreSQL advisory lock) while writing.

    An advisory lock dies with its connection, so a killed import never
    leaves the catalogue locked. SQLite runs in one process: nothing to take.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        if not cursor.fetchone()[0]:
            raise ImportAlreadyRunning
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def import_running() -> bool:
    """Whether another connection holds the import lock right now."""
    try:
        with exclusive_import():
            return False
    except ImportAlreadyRunning:
        return True


def create_seen_tables() -> None:
    with connection.cursor() as cursor:
        for table in (SEEN_RECORDS, SEEN_BARCODES, LISTED_BARCODES):
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (key text PRIMARY KEY)")
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a constant)
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {RECORD_ROWS} (identifier text, "
                "document_type_id bigint, title text, creators text, publisher text, "
                "year integer, language text, isbn text, ean text, subjects text, "
                "summary text) ON COMMIT DELETE ROWS"
            )


def mark_seen(table: str, keys: list[str]) -> set[str]:
    """Remember the keys; return those seen for the first time in this import."""
    if not keys:
        return set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (key) SELECT unnest(%s::text[]) "
                "ON CONFLICT DO NOTHING RETURNING key",
                [keys],
            )
        else:
            values = ", ".join(["(%s)"] * len(keys))
            cursor.execute(
                f"INSERT INTO {table} (key) VALUES {values} "  # noqa: S608 (constants)
                "ON CONFLICT DO NOTHING RETURNING key",
                keys,
            )
        return {row[0] for row in cursor.fetchall()}


class CatalogueWriter:
    """Take checked records one by one; write them in batches; count what changed."""

    def __init__(
        self,
        *,
        report: ImportReport,
        branches: BranchResolver,
        dry_run: bool,
        batch_size: int = 1000,
    ):
        self.report = report
        self.branches = branches
        self.dry_run = dry_run
        self.batch_size = batch_size
        self.pending: list[SourceRecord] = []
        self.deleted: list[str] = []
        self.type_ids: dict[str, int | None] = dict(DocumentType.objects.values_list("code", "pk"))
        create_seen_tables()

    def note_listed(self, barcodes: list[str]) -> None:
        """Remember copies the file lists on a record it skips: never withdrawn as missing."""
        mark_seen(LISTED_BARCODES, list(dict.fromkeys(barcodes)))

    def delete(self, source: SourceRecord) -> None:
        """Take a record the library system deleted off the shelves (at the next flush)."""
        self.deleted.append(source.identifier)
        if len(self.deleted) >= self.batch_size:
            self.flush_deletions()

    def flush_deletions(self) -> None:
        """Mark unavailable the copies of deleted records; never one held or on loan.

        The records stay (orders and loans refer to them). The UPDATE re-checks each
        copy's status under its row lock, so a copy an order takes meanwhile stays held.
        """
        identifiers = list(dict.fromkeys(filter(None, self.deleted)))
        self.deleted = []
        if not identifiers:
            return
        found = Record.objects.filter(identifier__in=identifiers).count()
        self.report.records_deleted += found
        self.report.deletions_not_found += len(identifiers) - found
        copies = Item.objects.filter(record__identifier__in=identifiers)
        for barcode in (
            copies.filter(status__in=LIFECYCLE_STATUSES)
            .order_by("barcode")
            .values_list("barcode", flat=True)
        ):
            self.report.keep_for_order(barcode)
        on_shelf = copies.filter(status__in=WITHDRAWABLE_STATUSES)
        if self.dry_run:
            self.report.copies_withdrawn += on_shelf.count()
            return
        with transaction.atomic():
            self.report.copies_withdrawn += on_shelf.update(
                status=ItemStatus.UNAVAILABLE, status_changed_at=timezone.now()
            )

    def add(self, source: SourceRecord) -> None:
        self.pending.append(source)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        self.flush_deletions()
        batch, self.pending = self.pending, []
        if not batch:
            return
        batch = self.with_known_types(batch)
        try:
            self.report.merge(self.write_with_retries(batch))
        except DatabaseError:
            # One record the checks let through and the database refuses:
            # find it, one record per transaction, and write the others.
            for source in batch:
                try:
                    self.report.merge(self.write_with_retries([source]))
                except DatabaseError as error:
                    self.report.add_error(
                        ErrorKind.REFUSED,
                        source.number,
                        source.identifier,
                        str(error).splitlines()[0],
                    )

    def write_with_retries(self, batch: list[SourceRecord]) -> ImportReport:
        for attempt in range(1, ATTEMPTS + 1):
            part = ImportReport()
            try:
                with transaction.atomic():
                    self.write_batch(batch, part)
                return part
            except OperationalError:
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def with_known_types(self, batch: list[SourceRecord]) -> list[SourceRecord]:
        """Create the document types the batch needs, outside its transaction.

        Only the types the MARC mapping knows are created; a CSV naming
        another type has that record skipped, so that a typo does not become
        a document type.
        """
        kept = []
        for source in batch:
            code = source.data.document_type
            if code in self.type_ids:
                kept.append(source)
                continue
            if code not in DOCUMENT_TYPE_NAMES:
                self.report.add_error(
                    ErrorKind.UNKNOWN_TYPE, source.number, source.identifier, code
                )
                self.note_listed([copy.barcode for copy in source.data.copies])
                continue
            kept.append(source)
            if self.dry_run:
                self.type_ids[code] = None
            else:
                name_fr, name_en = DOCUMENT_TYPE_NAMES[code]
                document_type, _created = DocumentType.objects.get_or_create(
                    code=code, defaults={"name_fr": name_fr, "name_en": name_en}
                )
                self.type_ids[code] = document_type.pk
            self.report.document_types_created.append(code)
        return kept

    def write_batch(self, batch: list[SourceRecord], part: ImportReport) -> None:
        records = self.first_occurrences(batch, part)
        record_ids = self.write_records(records, part)
        self.write_copies(records, record_ids, part)

    def first_occurrences(
        self, batch: list[SourceRecord], part: ImportReport
    ) -> list[SourceRecord]:
        new = mark_seen(SEEN_RECORDS, [source.data.identifier for source in batch])
        kept = []
        for source in batch:
            identifier = source.data.identifier
            if identifier not in new:
                part.add_error(ErrorKind.DUPLICATE_RECORD, source.number, identifier)
                self.note_listed([copy.barcode for copy in source.data.copies])
                continue
            new.discard(identifier)
            kept.append(source)
        return kept

    def write_records(self, batch: list[SourceRecord], part: ImportReport) -> dict[str, int]:
        """Upsert the records; return their ids by identifier (new ones lack one in a dry run)."""
        identifiers = [source.data.identifier for source in batch]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT identifier, id, {', '.join(RECORD_FIELDS)} "  # noqa: S608 (constants)
                    "FROM catalog_record WHERE identifier = ANY(%s)",
                    [identifiers],
                )
                rows = cursor.fetchall()
        else:
            rows = Record.objects.filter(identifier__in=identifiers).values_list(
                "identifier", "pk", *RECORD_FIELDS
            )
        existing = {row[0]: (row[1], tuple(row[2:])) for row in rows}
        ids: dict[str, int] = {}
        to_write: list[tuple] = []
        for source in batch:
            data = source.data
            values = (
                self.type_ids[data.document_type],
                data.title,
                data.creators,
                data.publisher,
                data.year,
                data.language,
                data.isbn,
                data.ean,
                data.subjects,
                data.summary,
            )
            known = existing.get(data.identifier)
            if known is not None:
                ids[data.identifier] = known[0]
                if known[1] == values:
                    part.records_unchanged += 1
                    continue
                part.records_updated += 1
            else:
                part.records_created += 1
            to_write.append((data.identifier, *values))
        if to_write and not self.dry_run:
            ids.update(upsert_records(to_write))
        return ids

    def write_copies(
        self, batch: list[SourceRecord], record_ids: dict[str, int], part: ImportReport
    ) -> None:
        copies = []
        barcodes = [copy.barcode for source in batch for copy in source.data.copies]
        new_barcodes = mark_seen(SEEN_BARCODES, barcodes)
        for source in batch:
            data = source.data
            for kind, detail in data.copy_errors:
                part.add_error(kind, source.number, data.identifier, detail)
            for copy in data.copies:
                if copy.barcode not in new_barcodes:
                    part.add_error(
                        ErrorKind.DUPLICATE_BARCODE, source.number, data.identifier, copy.barcode
                    )
                    continue
                new_barcodes.discard(copy.barcode)
                branch_id = self.branches.resolve(copy.branch_code)
                if branch_id is None:
                    # Counted as looked up: codes are matched whatever their case.
                    part.unknown_branches[copy.branch_code.upper() or "-"] += 1
                    continue
                copies.append((record_ids.get(data.identifier), branch_id, copy))
        if not copies:
            return
        existing = self.existing_copies([copy.barcode for _r, _b, copy in copies])
        now = timezone.now()  # the batch's one clock, for every copy it changes
        created: list[tuple] = []
        status_changed: list[Item] = []
        details_changed: list[Item] = []
        for record_id, branch_id, copy in copies:
            wanted = ItemStatus.AVAILABLE if copy.on_shelf else ItemStatus.UNAVAILABLE
            known = existing.get(copy.barcode)
            if known is None:
                part.copies_created += 1
                created.append((copy.barcode, record_id, branch_id, copy.call_number, wanted))
                continue
            old_record, old_branch, old_call_number, old_status = known
            if old_status in LIFECYCLE_STATUSES:
                # Part of an order or a loan: keep it where the order expects it.
                if old_record != record_id or old_branch != branch_id:
                    part.keep_for_order(copy.barcode)
                record_id, branch_id, wanted = old_record, old_branch, old_status
            elif old_status == ItemStatus.QUARANTINE and wanted == ItemStatus.AVAILABLE:
                wanted = ItemStatus.QUARANTINE  # back on the shelf when its days are over
            if (old_record, old_branch, old_call_number, old_status) == (
                record_id,
                branch_id,
                copy.call_number,
                wanted,
            ):
                part.copies_unchanged += 1
                continue
            if old_branch != branch_id:
                part.copies_moved += 1
            else:
                part.copies_updated += 1
            item = Item(
                barcode=copy.barcode,
                record_id=record_id,
                branch_id=branch_id,
                call_number=copy.call_number,
                status=wanted,
                status_changed_at=now,
            )
            (status_changed if wanted != old_status else details_changed).append(item)
        if self.dry_run:
            return
        if created:
            insert_copies(created, now=now)
        # Few copies change from one export to the next: bulk_create will do.
        for items, fields in (
            (details_changed, ["record", "branch", "call_number"]),
            (status_changed, ["record", "branch", "call_number", "status", "status_changed_at"]),
        ):
            if items:
                Item.objects.bulk_create(
                    items, update_conflicts=True, unique_fields=["barcode"], update_fields=fields
                )

    def existing_copies(self, barcodes: list[str]) -> dict[str, tuple]:
        """Return (record, branch, call number, status) by barcode, locking the copies.

        The locks are taken in id order, as every batch does, so that two
        writers of the same copies wait for each other rather than deadlock.
        """
        if connection.vendor == "postgresql":
            lock = "" if self.dry_run else " ORDER BY id FOR UPDATE"
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT barcode, record_id, branch_id, call_number, status "  # noqa: S608
                    f"FROM catalog_item WHERE barcode = ANY(%s){lock}",
                    [barcodes],
                )
                return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
        items = Item.objects.filter(barcode__in=barcodes)
        if not self.dry_run:
            items = items.select_for_update().order_by("pk")
        rows = items.values_list("barcode", "record_id", "branch_id", "call_number", "status")
        return {row[0]: row[1:] for row in rows}

    def withdraw_missing(self, *, max_share: float) -> None:
        """Mark unavailable the copies a full export no longer lists (never a held one)."""
        missing = (
            f"NOT EXISTS (SELECT 1 FROM {SEEN_BARCODES} seen "  # noqa: S608 (constants)
            "WHERE seen.key = catalog_item.barcode) "
            f"AND NOT EXISTS (SELECT 1 FROM {LISTED_BARCODES} listed "
            "WHERE listed.key = catalog_item.barcode)"
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Temporary tables get no statistics from autovacuum.
                cursor.execute(f"ANALYZE {SEEN_BARCODES}")
                cursor.execute(f"ANALYZE {LISTED_BARCODES}")
            cursor.execute("SELECT count(*) FROM catalog_item")
            total = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT count(*) FROM catalog_item WHERE status IN (%s, %s) AND {missing}",  # noqa: S608
                list(WITHDRAWABLE_STATUSES),
            )
            withdrawable = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT barcode FROM catalog_item WHERE status IN (%s, %s) AND {missing} "  # noqa: S608
                "ORDER BY barcode",
                list(LIFECYCLE_STATUSES),
            )
            for (barcode,) in cursor:
                self.report.keep_for_order(barcode)
        if total and withdrawable > max_share * total:
            self.report.withdrawal_skipped = _(
                "No copy was marked unavailable: %(missing)s of the %(total)s copies are missing "
                "from this full export (more than %(share)s%%). Check the export, or allow a "
                "larger share."
            ) % {
                "missing": count(withdrawable),
                "total": count(total),
                "share": round(max_share * 100),
            }
            return
        self.report.copies_withdrawn = withdrawable
        if self.dry_run or not withdrawable:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE catalog_item SET status = %s, status_changed_at = %s "  # noqa: S608
                f"WHERE status IN (%s, %s) AND {missing}",
                [ItemStatus.UNAVAILABLE, timezone.now(), *WITHDRAWABLE_STATUSES],
            )
            self.report.copies_withdrawn = cursor.rowcount


def upsert_records(rows: list[tuple]) -> dict[str, int]:
    """Insert or update records given as (identifier, *RECORD_FIELDS); return their ids."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        written = Record.objects.bulk_create(
            [
                Record(
                    identifier=row[0],
                    **dict(zip(RECORD_FIELDS, row[1:], strict=True)),
                    created_at=now,
                    updated_at=now,
                )
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["identifier"],
            update_fields=[*(f.removesuffix("_id") for f in RECORD_FIELDS), "updated_at"],
        )
        return {record.identifier: record.pk for record in written}
    columns = ", ".join(RECORD_FIELDS)
    updates = ", ".join(f"{field} = EXCLUDED.{field}" for field in RECORD_FIELDS)
    with connection.cursor() as cursor:
        # Django wraps execute() but not copy(): a refused row must still
        # raise django.db's errors, which the batch's fallback catches.
        with (
            connection.wrap_database_errors,
            cursor.copy(f"COPY {RECORD_ROWS} (identifier, {columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO catalog_record (identifier, {columns}, created_at, updated_at) "  # noqa: S608
            f"SELECT identifier, {columns}, %s, %s FROM {RECORD_ROWS} "
            f"ON CONFLICT (identifier) DO UPDATE SET {updates}, updated_at = EXCLUDED.updated_at "
            "RETURNING identifier, id",
            [now, now],
        )
        ids = dict(cursor.fetchall())
        # Emptied at commit anyway, but the next batch may share the
        # transaction (an import inside an outer atomic block, as in tests).
        cursor.execute(f"DELETE FROM {RECORD_ROWS}")  # noqa: S608 (a constant)
    return ids


def insert_copies(rows: list[tuple], *, now: datetime.datetime) -> None:
    """Insert new copies given as (barcode, record id, branch id, call number, status)."""
    if connection.vendor != "postgresql":
        Item.objects.bulk_create(
            Item(
                barcode=barcode,
                record_id=record_id,
                branch_id=branch_id,
                call_number=call_number,
                status=status,
                status_changed_at=now,
            )
            for barcode, record_id, branch_id, call_number, status in rows
        )
        return
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.copy(
            "COPY catalog_item (barcode, record_id, branch_id, call_number, status, "
            "status_changed_at) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row((*row, now))
