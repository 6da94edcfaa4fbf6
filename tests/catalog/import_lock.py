"""Another import writing the catalogue, as seen by the import under test."""

import contextlib
from collections.abc import Iterator

import psycopg

from catalog.imports.loader import LOCK_KEY
from tests.celery_worker import database_url_of_this_test


@contextlib.contextmanager
def another_import_writing() -> Iterator[None]:
    """Hold the import lock from another connection while the block runs.

    The lock is given back explicitly before the connection closes: a closed
    connection's backend may release it a moment later, after the next test
    has already tried to take it.
    """
    with psycopg.connect(database_url_of_this_test(), autocommit=True) as other_import:
        other_import.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            yield
        finally:
            other_import.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
