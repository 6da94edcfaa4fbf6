"""Write generated rows into a table: COPY on PostgreSQL, INSERT batches elsewhere.

Both loaders consume an iterator of tuples (columns in a given order) and
never hold more than one batch in memory. Neither fills ``auto_now`` or
``auto_now_add`` fields: the rows carry their own timestamps.
"""

import functools
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.core.management.color import no_style
from django.db import connection, models

# Called after each batch with (table label, rows written so far, seconds elapsed).
Progress = Callable[[str, int, float], None]


def load_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple],
    *,
    batch_size: int,
    progress: Progress | None = None,
    label: str = "",
) -> int:
    """Write the rows into the model's table and return how many were written."""
    if connection.vendor == "postgresql":
        return copy_rows(
            model, columns, rows, batch_size=batch_size, progress=progress, label=label
        )
    return insert_rows(model, columns, rows, batch_size=batch_size, progress=progress, label=label)


def copy_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple],
    *,
    batch_size: int,
    progress: Progress | None = None,
    label: str = "",
) -> int:
    """Stream the rows with PostgreSQL's COPY, in the current transaction."""
    quote = connection.ops.quote_name
    sql = "COPY {table} ({columns}) FROM STDIN".format(
        table=quote(model._meta.db_table),
        columns=", ".join(quote(model._meta.get_field(name).column) for name in columns),
    )
    label = label or model._meta.db_table
    started = time.perf_counter()
    written = 0
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        write_row = copy.write_row
        for batch in _batches(rows, batch_size):
            for row in batch:
                write_row(row)
            written += len(batch)
            if progress:
                progress(label, written, time.perf_counter() - started)
    return written


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple],
    *,
    batch_size: int,
    progress: Progress | None = None,
    label: str = "",
) -> int:
    """Insert the rows with one prepared INSERT run over each batch (any database).

    This is the fallback for SQLite. bulk_create would be the obvious choice,
    but compiling its SQL value by value made the default seed take 12 s
    there instead of about 3.
    """
    fields = [model._meta.get_field(name) for name in columns]
    quote = connection.ops.quote_name
    # Names come from the model's metadata, never from input.
    sql = "INSERT INTO {table} ({columns}) VALUES ({placeholders})".format(  # noqa: S608
        table=quote(model._meta.db_table),
        columns=", ".join(quote(field.column) for field in fields),
        placeholders=", ".join(["%s"] * len(fields)),
    )
    to_database = [_database_value_converter(field) for field in fields]
    label = label or model._meta.db_table
    started = time.perf_counter()
    written = 0
    with connection.cursor() as cursor:
        for batch in _batches(rows, batch_size):
            cursor.executemany(
                sql,
                [
                    tuple(
                        value if convert is None else convert(value)
                        for convert, value in zip(to_database, row, strict=True)
                    )
                    for row in batch
                ],
            )
            written += len(batch)
            if progress:
                progress(label, written, time.perf_counter() - started)
    return written


def _database_value_converter(field: models.Field) -> Callable | None:
    """Return how to turn a value of the field into what the database takes, if needed.

    Plain strings and numbers go as they are; dates and decimals need the
    backend's adaptation (aware datetimes become naive UTC on SQLite). The
    rows repeat the same timestamp, hence the small cache.
    """
    if field.get_internal_type() not in {"DateTimeField", "DateField", "TimeField", "DecimalField"}:
        return None

    @functools.lru_cache(maxsize=16)
    def convert(value):
        return field.get_db_prep_save(value, connection)

    return convert


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    """Yield lists of at most ``size`` rows (itertools.batched is Python 3.12)."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def reset_sequences(*model_classes: type[models.Model]) -> None:
    """Move the id sequences past the ids the loaders assigned."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
