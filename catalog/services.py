"""Operations that change the catalogue: imports from the library system.

Longer than most modules: uploads through the admin, the nightly folder and the
command share these steps (create, check, confirm, run, sweep).
"""

import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .imports.branch_codes import BranchResolver
from .imports.formats import Format, NotACatalogueFile
from .imports.loader import (
    CatalogueWriter,
    ImportAlreadyRunning,
    exclusive_import,
    import_running,
)
from .imports.marc import FileRejected
from .imports.reading import CountingReader, read_sources, sniff
from .imports.report import ImportReport
from .models import CatalogImport

logger = logging.getLogger(__name__)

# Records per transaction: large enough for few round trips, small enough
# that a batch holds its copies' locks for a few milliseconds.
BATCH_SIZE = 1000
# A full export missing more than this share of the copies is suspect (a
# partial file, the wrong export): withdraw nothing and say so.
MAX_WITHDRAWAL_SHARE = 0.2
# How often the progress callback runs, in records.
PROGRESS_EVERY = 500

# Called with (bytes read so far, the report so far).
Progress = Callable[[int, ImportReport], None]


def import_catalogue(
    *,
    stream: BinaryIO,
    file_format: Format | str | None = None,
    branch_map: dict[str, str] | None = None,
    dry_run: bool = False,
    full_export: bool = False,
    encoding: str = "utf-8",
    max_withdrawal_share: float = MAX_WITHDRAWAL_SHARE,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a catalogue file (seekable binary stream) and report what changed.

    Records and copies are upserted by identifier and barcode, one batch per
    transaction; a record that cannot be read or checked is reported and
    skipped. With ``full_export``, copies the file does not list are marked
    unavailable once the whole file is read. A dry run writes nothing.

    Raise ``formats.NotACatalogueFile`` when the format cannot be guessed, and
    ``loader.ImportAlreadyRunning`` when another import is writing.
    """
    file_format = Format(file_format) if file_format else sniff(stream)
    report = ImportReport(format=file_format, dry_run=dry_run, full_export=full_export)
    started = time.perf_counter()
    counting = CountingReader(stream)
    with contextlib.nullcontext() if dry_run else exclusive_import():
        writer = CatalogueWriter(
            report=report,
            branches=BranchResolver(branch_map),
            dry_run=dry_run,
            batch_size=batch_size,
        )
        try:
            for source in read_sources(counting, file_format, encoding=encoding):
                report.records_read += 1
                if source.deleted:
                    writer.delete(source)
                elif source.error is not None:
                    report.add_error(
                        source.error.kind, source.number, source.identifier, source.error.detail
                    )
                    writer.note_listed(source.listed_barcodes)
                else:
                    for copy in source.data.copies:
                        report.count_status(copy.status_code, on_shelf=copy.status_on_shelf)
                    writer.add(source)
                if progress is not None and report.records_read % PROGRESS_EVERY == 0:
                    progress(counting.position, report)
        except FileRejected as rejected:
            report.stopped = rejected.detail
        writer.flush()
        if full_export:
            if report.stopped:
                report.withdrawal_skipped = str(
                    _("No copy was marked unavailable: the file could not be read to the end.")
                )
            else:
                writer.withdraw_missing(max_share=max_withdrawal_share)
    report.seconds = round(time.perf_counter() - started, 3)
    if progress is not None:
        progress(counting.position, report)
    return report


# Progress is written to the import's row at most this often.
PROGRESS_SAVE_SECONDS = 1.0


def recording_progress(catalog_import: CatalogImport, then: Progress | None = None) -> Progress:
    """A progress callback that saves the bytes read on the import's row, now and then."""
    last_saved = 0.0

    def progress(position: int, report: ImportReport) -> None:
        nonlocal last_saved
        if then is not None:
            then(position, report)
        now = time.monotonic()
        if now - last_saved >= PROGRESS_SAVE_SECONDS:
            last_saved = now
            CatalogImport.objects.filter(pk=catalog_import.pk).update(
                bytes_done=position, progressed_at=timezone.now()
            )

    return progress


def import_catalogue_file(
    *,
    path: Path,
    origin: str = CatalogImport.Origin.COMMAND,
    source_name: str = "",
    created_by=None,
    progress: Progress | None = None,
    **options,
) -> tuple[CatalogImport | None, ImportReport]:
    """Import a file from disk; a real run is recorded as a ``CatalogImport``.

    Raise ``ImportAlreadyRunning`` (recording nothing) when another import is writing.
    """
    if options.get("dry_run"):
        with path.open("rb") as stream:
            return None, import_catalogue(stream=stream, progress=progress, **options)
    now = timezone.now()
    catalog_import = CatalogImport.objects.create(
        origin=origin,
        status=CatalogImport.Status.IMPORTING,
        source_name=(source_name or str(path))[-255:],
        format=options.get("file_format") or "",
        full_export=options.get("full_export", False),
        bytes_total=path.stat().st_size,
        created_by=created_by,
        created_at=now,
        started_at=now,
        progressed_at=now,
    )
    with path.open("rb") as stream:
        try:
            report = _run_recorded(catalog_import, stream, progress=progress, **options)
        except ImportAlreadyRunning:
            catalog_import.delete()  # nothing happened: the caller tries again later
            raise
    return catalog_import, report


def _run_recorded(
    catalog_import: CatalogImport,
    stream: BinaryIO,
    *,
    progress: Progress | None = None,
    **options,
) -> ImportReport:
    """Run an import for its row: save its progress, then its report or its failure."""
    dry_run = options.get("dry_run", False)
    try:
        report = import_catalogue(
            stream=stream, progress=recording_progress(catalog_import, progress), **options
        )
    except Exception as error:
        catalog_import.status = CatalogImport.Status.FAILED
        catalog_import.error = _failure_message(error)
        catalog_import.finished_at = timezone.now()
        catalog_import.save(update_fields=["status", "error", "finished_at"])
        raise
    catalog_import.format = report.format
    catalog_import.bytes_done = catalog_import.bytes_total
    catalog_import.progressed_at = now = timezone.now()
    if dry_run:
        catalog_import.check_report = report.to_json()
        catalog_import.status = CatalogImport.Status.CHECKED
    else:
        catalog_import.report = report.to_json()
        catalog_import.status = CatalogImport.Status.DONE
        catalog_import.finished_at = now
    catalog_import.save()
    return report


def _failure_message(error: Exception) -> str:
    # Known failures are kept as codes, shown in the reader's language.
    if isinstance(error, NotACatalogueFile):
        return CatalogImport.NOT_A_CATALOGUE_FILE
    if isinstance(error, ImportAlreadyRunning):
        return CatalogImport.ALREADY_RUNNING
    return f"{type(error).__name__}: {error}"


NOT_A_CATALOGUE_FILE = CatalogImport.FAILURES[CatalogImport.NOT_A_CATALOGUE_FILE]


# Uploads in the admin: checked (a dry run), then confirmed, then imported ----------------


class ImportNotConfirmable(Exception):
    """Only a checked upload can be imported, once."""


def create_upload(
    *, uploaded_file, file_format: str = "", full_export: bool = False, by=None
) -> CatalogImport:
    """Keep an uploaded catalogue file until its dry run and its confirmation."""
    now = timezone.now()
    return CatalogImport.objects.create(
        origin=CatalogImport.Origin.UPLOAD,
        status=CatalogImport.Status.UPLOADED,
        file=uploaded_file,
        source_name=uploaded_file.name[-255:],
        format=file_format or "",
        full_export=full_export,
        bytes_total=uploaded_file.size,
        created_by=by,
        created_at=now,
        progressed_at=now,
    )


def _claim(import_id: int, *, from_statuses, to_status) -> CatalogImport | None:
    """Move an import from one status to the next under a row lock, or return None."""
    with transaction.atomic():
        catalog_import = CatalogImport.objects.select_for_update().filter(pk=import_id).first()
        if catalog_import is None or catalog_import.status not in from_statuses:
            return None
        catalog_import.status = to_status
        catalog_import.progressed_at = now = timezone.now()
        catalog_import.bytes_done = 0
        if to_status == CatalogImport.Status.IMPORTING:
            catalog_import.started_at = now
        catalog_import.save()
        return catalog_import


def check_upload(*, import_id: int) -> CatalogImport | None:
    """Run the dry run of an uploaded file; safe to run twice."""
    catalog_import = _claim(
        import_id,
        from_statuses=(CatalogImport.Status.UPLOADED, CatalogImport.Status.CHECKING),
        to_status=CatalogImport.Status.CHECKING,
    )
    if catalog_import is None:
        return None
    with catalog_import.file.open("rb") as stream:
        _run_recorded(catalog_import, stream, **_upload_options(catalog_import, dry_run=True))
    return catalog_import


def confirm_upload(*, catalog_import: CatalogImport) -> CatalogImport:
    """Accept the dry run's report: the import itself may start."""
    claimed = _claim(
        catalog_import.pk,
        from_statuses=(CatalogImport.Status.CHECKED,),
        to_status=CatalogImport.Status.IMPORTING,
    )
    if claimed is None:
        raise ImportNotConfirmable
    return claimed


def run_upload(*, import_id: int) -> CatalogImport | None:
    """Import a confirmed upload. Raise ``ImportAlreadyRunning`` to be tried again later."""
    catalog_import = CatalogImport.objects.filter(
        pk=import_id, status=CatalogImport.Status.IMPORTING
    ).first()
    if catalog_import is None:
        return None
    with catalog_import.file.open("rb") as stream:
        try:
            _run_recorded(catalog_import, stream, **_upload_options(catalog_import, dry_run=False))
        except ImportAlreadyRunning:
            # Not a failure: the task tries again once the other import is over.
            CatalogImport.objects.filter(pk=import_id).update(
                status=CatalogImport.Status.IMPORTING, error="", finished_at=None
            )
            raise
    return catalog_import


def _upload_options(catalog_import: CatalogImport, *, dry_run: bool) -> dict:
    return {
        "file_format": catalog_import.format or None,
        "full_export": catalog_import.full_export,
        "dry_run": dry_run,
    }


def stalled_imports(*, older_than_seconds: int) -> QuerySet[CatalogImport]:
    """Uploads waiting, checked or imported with no progress for a while: their task is lost.

    An upload made while the broker was down has never been checked: it is
    published again too.
    """
    return CatalogImport.objects.filter(
        status__in=(
            CatalogImport.Status.UPLOADED,
            CatalogImport.Status.CHECKING,
            CatalogImport.Status.IMPORTING,
        ),
        origin=CatalogImport.Origin.UPLOAD,
        progressed_at__lt=timezone.now() - timedelta(seconds=older_than_seconds),
    )


def fail_interrupted_imports(*, older_than_seconds: int) -> int:
    """Mark failed the command and folder imports with no progress for a while; return how many.

    Their process died (a deploy, a crash): nothing runs them again, the next
    night's file or the operator does. An upload's task is published again
    instead (``stalled_imports``).
    """
    now = timezone.now()
    return (
        CatalogImport.objects.filter(
            status=CatalogImport.Status.IMPORTING,
            progressed_at__lt=now - timedelta(seconds=older_than_seconds),
        )
        .exclude(origin=CatalogImport.Origin.UPLOAD)
        .update(
            status=CatalogImport.Status.FAILED,
            error=CatalogImport.INTERRUPTED,
            finished_at=now,
        )
    )


# The nightly folder ------------------------------------------------------------------------

PROCESSING, DONE, FAILED = "processing", "done", "failed"


def import_folder(
    *,
    folder: Path,
    settle_seconds: int,
    full_export: bool = False,
    branch_map: dict[str, str] | None = None,
) -> list[CatalogImport]:
    """Import each settled file the library system dropped in the folder, oldest first.

    A file is claimed by moving it into ``processing/`` (a rename: one worker
    wins), then moved into ``done/`` or ``failed/`` with the date in its
    name. A file changed in the last ``settle_seconds`` may still be being
    written: it waits for the next run.
    """
    for name in (PROCESSING, DONE, FAILED):
        (folder / name).mkdir(exist_ok=True)
    if not import_running():
        # A file left in processing/ lost its import (a crash): it goes round again.
        for orphan in (folder / PROCESSING).iterdir():
            if orphan.is_file():
                orphan.rename(folder / orphan.name)
    now = time.time()
    candidates = sorted(
        (
            path
            for path in folder.iterdir()
            if path.is_file()
            and not path.name.startswith(".")
            and now - path.stat().st_mtime >= settle_seconds
        ),
        key=lambda path: path.stat().st_mtime,
    )
    imports = []
    for path in candidates:
        claimed = folder / PROCESSING / path.name
        try:
            path.rename(claimed)
        except FileNotFoundError:
            continue  # another worker took it
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        try:
            catalog_import, _report = import_catalogue_file(
                path=claimed,
                source_name=path.name,
                origin=CatalogImport.Origin.FOLDER,
                full_export=full_export,
                branch_map=branch_map,
            )
        except ImportAlreadyRunning:
            claimed.rename(path)  # back in the folder for the next run
            break
        except Exception:
            claimed.rename(folder / FAILED / f"{stamp}-{path.name}")
            logger.exception("Catalogue import of %s failed", path.name)
            continue
        claimed.rename(folder / DONE / f"{stamp}-{path.name}")
        imports.append(catalog_import)
    return imports
