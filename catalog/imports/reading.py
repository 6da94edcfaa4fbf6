"""Turn a catalogue file, whatever its format, into a stream of checked records."""

import io
from collections.abc import Iterator
from typing import BinaryIO

import pymarc

from .csv_file import read_csv
from .formats import SNIFF_BYTES, Format, detect_format
from .mapping import deleted_record_identifier, map_marc21, map_unimarc
from .marc import read_iso2709, read_marcxml
from .records import ErrorKind, Rejected, SourceRecord


class CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read, for the progress bar."""

    def __init__(self, stream: BinaryIO):
        super().__init__()
        self.stream = stream
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


def sniff(stream: BinaryIO) -> Format:
    """Guess the format of a seekable stream, leaving it at its start."""
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    return detect_format(head)


def identifier_of(record: pymarc.Record) -> str:
    for field in record.get_fields("001"):
        return (field.data or "").strip()[:64]
    return ""


def mapped(number: int, record: pymarc.Record | Rejected, file_format: Format) -> SourceRecord:
    if isinstance(record, Rejected):
        return SourceRecord(number=number, error=record)
    if file_format == Format.MARCXML:
        # MARCXML carries either flavour: MARC 21 has its title in 245.
        mapper = map_marc21 if record.get_fields("245") else map_unimarc
    else:
        mapper = map_unimarc if file_format == Format.UNIMARC else map_marc21
    if str(record.leader)[5:6] == "d":
        flavour = "unimarc" if mapper is map_unimarc else "marc21"
        identifier = deleted_record_identifier(record, flavour)[:64]
        return SourceRecord(number=number, identifier=identifier, deleted=True)
    try:
        data = mapper(record)
    except Rejected as rejected:
        return SourceRecord(number=number, error=rejected, identifier=identifier_of(record))
    except Exception as error:  # noqa: BLE001
        # A record shaped in a way no mapping foresaw must cost only itself.
        return SourceRecord(
            number=number,
            error=Rejected(ErrorKind.UNREADABLE, f"{type(error).__name__}: {error}"),
            identifier=identifier_of(record),
        )
    return SourceRecord(number=number, data=data, identifier=data.identifier)


def read_sources(
    stream: BinaryIO, file_format: Format, *, encoding: str = "utf-8"
) -> Iterator[SourceRecord]:
    """Yield every record of the file, read or rejected, in file order.

    Raise ``marc.FileRejected`` when an XML file breaks: what came before
    it has been yielded.
    """
    if file_format == Format.CSV:
        yield from read_csv(stream, encoding=encoding)
        return
    if file_format == Format.MARCXML:
        records = read_marcxml(stream)
    else:
        records = read_iso2709(stream, force_utf8=file_format == Format.UNIMARC)
    for number, record in records:
        yield mapped(number, record, file_format)
