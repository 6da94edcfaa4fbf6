"""Read a catalogue CSV: one row per copy, the record's columns repeated.

Columns (header required, in any order, comma or semicolon separated):
``record_id`` and ``title`` are required; ``creators``, ``publisher``,
``year``, ``language``, ``isbn``, ``ean``, ``subjects``, ``summary``,
``document_type`` (book, cd, dvd...), ``barcode``, ``branch``,
``call_number`` and ``status`` (available or anything else) are optional.
Consecutive rows with the same ``record_id`` are one record with several
copies; a row without a barcode is a record without copies.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from typing import BinaryIO

from .records import (
    MAX_FIELD_CHARS,
    CopyData,
    ErrorKind,
    RecordData,
    Rejected,
    SourceRecord,
    check_record,
    clean_text,
    normalise_ean,
    normalise_isbn,
    parse_year,
)

REQUIRED = {"record_id", "title"}
KNOWN = REQUIRED | {
    "creators",
    "publisher",
    "year",
    "language",
    "isbn",
    "ean",
    "subjects",
    "summary",
    "document_type",
    "barcode",
    "branch",
    "call_number",
    "status",
}
ON_SHELF = {"", "available", "disponible", "0"}
# Tried in this order on the header line; '|' is Syracuse's.
DELIMITERS = (";", "\t", "|", ",")
# A summary keeps its lines; other controls (a NUL, which PostgreSQL refuses) go.
CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A field longer than this is refused by the csv module itself, which keeps a
# runaway quote from reading the rest of the file into one field.
FIELD_SIZE_LIMIT = MAX_FIELD_CHARS * 10


def header_of(head: bytes) -> list[str] | None:
    first_line = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip("\r\ufeff")
    for delimiter in DELIMITERS:
        names = [name.strip().lower() for name in first_line.split(delimiter)]
        if set(names) >= REQUIRED:
            return names
    return None


def looks_like_catalogue_csv(head: bytes) -> bool:
    """True when the first line is a header naming at least record_id and title."""
    return header_of(head) is not None


def read_csv(stream: BinaryIO, *, encoding: str = "utf-8") -> Iterator[SourceRecord]:
    """Yield the records of a catalogue CSV, grouping consecutive rows of one record."""
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    codecs.lookup(encoding)
    # Undecodable bytes become surrogates, so that one bad row is reported
    # and skipped instead of stopping the whole file.
    if not hasattr(stream, "read1"):
        stream = io.BufferedReader(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="surrogateescape", newline="")
    sample = text.readline()
    delimiter = next((d for d in DELIMITERS if d in sample), ",")
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
    names = [name.strip().lower().lstrip("\ufeff") for name in next(reader)]
    rows = csv.reader(text, delimiter=delimiter)
    current: SourceRecord | None = None
    number = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            break
        except csv.Error as error:
            number += 1
            if current is not None:
                yield finish(current)
                current = None
            yield SourceRecord(number=number, error=Rejected(ErrorKind.CSV, str(error)))
            continue
        if not any(values):
            continue
        row = dict(zip(names, values, strict=False))
        identifier = clean_text(row.get("record_id"))
        if current is not None and identifier == current.identifier and current.data:
            if current.error is None:
                add_copy(current, row)
            continue
        if current is not None:
            yield finish(current)
        number += 1
        current = start_record(number, identifier, row)
    if current is not None:
        yield finish(current)


def start_record(number: int, identifier: str, row: dict[str, str]) -> SourceRecord:
    source = SourceRecord(number=number, identifier=identifier)
    if any(has_surrogates(value) for value in row.values()):
        source.error = Rejected(ErrorKind.ENCODING, "the row is not valid UTF-8")
        source.data = RecordData(identifier=identifier, title="", document_type="")
        return source
    source.data = RecordData(
        identifier=identifier,
        title=clean_text(row.get("title")),
        document_type=clean_text(row.get("document_type")).lower() or "book",
        creators=clean_text(row.get("creators")),
        publisher=clean_text(row.get("publisher")),
        year=parse_year(row.get("year")),
        language=clean_text(row.get("language")).lower()[:3],
        isbn=normalise_isbn(row.get("isbn")),
        ean=normalise_ean(row.get("ean")),
        subjects=clean_text(row.get("subjects")),
        summary=CONTROLS_BUT_LINES.sub("", row.get("summary") or "").strip(),
    )
    add_copy(source, row)
    return source


def add_copy(source: SourceRecord, row: dict[str, str]) -> None:
    if any(has_surrogates(value) for value in row.values()):
        source.error = Rejected(ErrorKind.ENCODING, "a row is not valid UTF-8")
        return
    barcode = clean_text(row.get("barcode"))
    if not barcode and not row.get("branch"):
        return
    status = clean_text(row.get("status"))
    on_shelf = status.lower() in ON_SHELF
    source.data.copies.append(
        CopyData(
            barcode=barcode,
            branch_code=clean_text(row.get("branch")),
            call_number=clean_text(row.get("call_number")),
            on_shelf=on_shelf,
            status_code=status,
            status_on_shelf=on_shelf,
        )
    )


def finish(source: SourceRecord) -> SourceRecord:
    if source.error is None:
        try:
            check_record(source.data)
        except Rejected as rejected:
            source.error = rejected
    if source.error is not None:
        source.data = None
    return source


def has_surrogates(value: str | None) -> bool:
    return bool(value) and any("\udc80" <= char <= "\udcff" for char in value)
