"""Imports against each other and against orders, on real parallel connections."""

import io
import threading
import time

import pytest
from django.db import connection, connections, transaction

from catalog.imports.loader import ImportAlreadyRunning
from catalog.models import Item, Record
from catalog.services import import_catalogue
from tests.catalog.imports.samples import run_import

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="advisory and row locks are PostgreSQL's"
    ),
]

EXPORT = b"record_id;title;barcode;branch\n" + b"".join(
    b"%d;Titre %d;B%d;HAVEL\n" % (n, n, n) for n in range(1, 501)
)


class InThread(threading.Thread):
    """Run a call on its own thread, hence its own database connection; keep its outcome."""

    def __init__(self, call):
        super().__init__(daemon=True)
        self.call = call
        self.result = None
        self.error = None

    def run(self):
        try:
            self.result = self.call()
        except Exception as error:  # noqa: BLE001 - the test looks at it
            self.error = error
        finally:
            connections.close_all()


def wait_for(condition, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def a_backend_waits_for_a_row_lock() -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction, pg_stat_activity is a snapshot: take a fresh one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def test_a_second_import_while_one_is_writing_is_refused(branches):
    writing = threading.Event()
    may_finish = threading.Event()

    def pause_once_writing(position, report):
        # Called after the 500th record: the first import holds its lock here.
        writing.set()
        may_finish.wait(timeout=30)

    first = InThread(
        lambda: import_catalogue(stream=io.BytesIO(EXPORT), progress=pause_once_writing)
    )
    first.start()
    try:
        assert writing.wait(timeout=30)

        with pytest.raises(ImportAlreadyRunning):
            run_import(EXPORT)
        # A dry run writes nothing: it needs no lock and may run alongside.
        assert run_import(EXPORT, dry_run=True).records_read == 500
    finally:
        may_finish.set()
        first.join(timeout=60)

    assert first.error is None
    assert first.result.records_created == 500
    # Once the first has finished, the lock is free again.
    assert run_import(EXPORT).records_unchanged == 500


def test_a_copy_held_while_the_import_waits_for_its_lock_is_not_overwritten(branches):
    havel, cabanis = branches
    run_import(EXPORT)
    moved = EXPORT.replace(b";B7;HAVEL\n", b";B7;CABANIS\n")
    importer = InThread(lambda: import_catalogue(stream=io.BytesIO(moved)))

    with transaction.atomic():
        # An order takes the copy: it locks the row, then marks it held.
        item = Item.objects.select_for_update().get(barcode="B7")
        importer.start()
        assert wait_for(a_backend_waits_for_a_row_lock), "the import did not wait for the lock"
        item.status = Item.Status.HELD
        item.save(update_fields=["status"])
    importer.join(timeout=60)

    assert importer.error is None
    item.refresh_from_db()
    assert (item.status, item.branch) == (Item.Status.HELD, havel)
    assert importer.result.kept_barcodes == ["B7"]
    assert importer.result.copies_moved == 0
    assert Record.objects.count() == 500
