"""Read MARC files as a stream of pymarc records, one bad record at a time.

ISO 2709 files are cut on the record terminator rather than on the length in
each leader, so that a truncated or damaged record costs only itself: the
next record starts after the next terminator, whatever the damage. MARCXML
is parsed with a SAX parser fed a block at a time, through defusedxml, which
refuses entity declarations (the "billion laughs" XML bomb) before any
record is read.
"""

import re
import warnings
from collections.abc import Iterator
from typing import BinaryIO
from xml.sax import SAXException
from xml.sax.handler import ContentHandler, feature_namespaces

import pymarc
from defusedxml import DefusedXmlException
from defusedxml.sax import make_parser
from pymarc.exceptions import PymarcException

from .records import MAX_FIELD_CHARS, ErrorKind, Rejected

RECORD_TERMINATOR = b"\x1d"
# ISO 2709 records are at most 99,999 bytes (a 5-digit length).
MAX_RECORD_BYTES = 99_999
# Of any XML record, however broken: beyond this it is not a catalogue record.
MAX_XML_RECORD_CHARS = 1_000_000
READ_BLOCK = 1 << 16


class FileRejected(Exception):
    """The whole file is refused (an XML bomb), or cannot be read further."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def iso2709_chunks(stream: BinaryIO) -> Iterator[bytes]:
    """Yield each record's bytes, terminator included; the last one may lack it."""
    buffer = bytearray()
    overflowing = False
    while block := stream.read(READ_BLOCK):
        buffer += block
        start = 0
        while (end := buffer.find(RECORD_TERMINATOR, start)) != -1:
            if overflowing:
                overflowing = False
                yield b""  # the record that overflowed, reported as unreadable
            else:
                yield bytes(buffer[start : end + 1]).lstrip(b"\r\n\t ")
            start = end + 1
        del buffer[:start]
        if len(buffer) > MAX_RECORD_BYTES:
            # No terminator in sight: drop what was read, skip to the next one.
            overflowing = True
            buffer.clear()
    rest = bytes(buffer).strip()
    if overflowing:
        yield b""
    elif rest:
        yield rest


# A leader as it may start a record: length, five coded positions, the
# indicator and subfield code counts, the base address.
LEADER_START = re.compile(rb"(?=(\d{5}[ -~]{5}\d{7}))")


def split_run_on(raw: bytes) -> tuple[bytes, bytes] | None:
    """Split a record cut short from the whole record its bytes run on into.

    A record that lost its end lost its terminator too, so its chunk runs on
    to the next record's terminator. That next record is found by its leader,
    whose length reaches the chunk's end exactly; None when there is none.
    """
    if not raw.endswith(RECORD_TERMINATOR) or (raw[:5].isdigit() and int(raw[:5]) == len(raw)):
        return None
    for match in LEADER_START.finditer(raw, 1):
        start = match.start()
        if int(raw[start : start + 5]) == len(raw) - start:
            return raw[:start], raw[start:]
    return None


class Lookahead:
    """An iterator whose items can be put back, to be yielded again next."""

    def __init__(self, items: Iterator[bytes]):
        self.items = items
        self.returned: list[bytes] = []

    def __iter__(self) -> "Lookahead":
        return self

    def __next__(self) -> bytes:
        return self.returned.pop() if self.returned else next(self.items)

    def put_back(self, taken: list[bytes]) -> None:
        self.returned.extend(reversed(taken))


def rejoin_stray_terminators(chunk: bytes, chunks: Lookahead) -> bytes:
    """Join a record cut by a stray terminator inside its data to the rest of it.

    The chunk ends at a terminator before the length its leader declares; when
    the chunks that follow reach that length exactly, they are the rest of the
    record (the terminator was a character of a title). Otherwise they are put back.
    """
    if not (chunk[:5].isdigit() and chunk.endswith(RECORD_TERMINATOR)):
        return chunk
    declared = int(chunk[:5])
    joined, taken = chunk, []
    while len(joined) < declared and (more := next(chunks, None)) is not None:
        taken.append(more)
        joined += more
    if taken and len(joined) == declared:
        return joined
    chunks.put_back(taken)
    return chunk


def decode_iso2709(raw: bytes, *, force_utf8: bool) -> pymarc.Record:
    """Decode one ISO 2709 record, or raise ``Rejected`` saying what is wrong."""
    if not raw:
        raise Rejected(ErrorKind.UNREADABLE, f"no record terminator in {MAX_RECORD_BYTES:,} bytes")
    if not raw.endswith(RECORD_TERMINATOR):
        raise Rejected(ErrorKind.TRUNCATED, "the file ends in the middle of a record")
    leader = raw[:24]
    if len(leader) < 24 or not leader[:5].isdigit() or not leader[12:17].isdigit():
        raise Rejected(ErrorKind.UNREADABLE, f"leader {leader[:24]!r} is not a MARC leader")
    declared = int(leader[:5])
    if declared > len(raw):
        raise Rejected(
            ErrorKind.TRUNCATED, f"{len(raw):,} bytes where the leader announces {declared:,}"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pymarc.Record(data=raw, force_utf8=force_utf8, hide_utf8_warnings=True)
    except UnicodeDecodeError as error:
        raise Rejected(ErrorKind.ENCODING, str(error)) from None
    except (PymarcException, ValueError, IndexError) as error:
        raise Rejected(ErrorKind.UNREADABLE, str(error) or type(error).__name__) from None


def read_iso2709(
    stream: BinaryIO, *, force_utf8: bool
) -> Iterator[tuple[int, pymarc.Record | Rejected]]:
    """Yield (record number, record or Rejected) for each record of the file."""
    number = 0
    chunks = Lookahead(iso2709_chunks(stream))
    for chunk in chunks:
        chunk = rejoin_stray_terminators(chunk, chunks)
        run_on = split_run_on(chunk)
        if run_on is not None:
            cut, chunk = run_on
            number += 1
            detail = f"the record is cut short after {len(cut):,} bytes; the next one follows"
            yield number, Rejected(ErrorKind.TRUNCATED, detail)
        number += 1
        try:
            yield number, decode_iso2709(chunk, force_utf8=force_utf8)
        except Rejected as rejected:
            yield number, rejected
        if chunk and not chunk.endswith(RECORD_TERMINATOR):
            # The last chunk, cut short: what followed it never arrived. A full
            # export must not take the missing records' copies for withdrawn.
            raise FileRejected(
                ErrorKind.TRUNCATED, f"the file ends in the middle of record {number:,}"
            )


class MarcXmlHandler(ContentHandler):
    """Build pymarc records from MARCXML (MARC 21 slim, or UNIMARC without namespace).

    Unlike pymarc's own handler it never raises on a damaged record: the
    record is marked and reported, and the next one is read.
    """

    def __init__(self):
        super().__init__()
        self.completed: list[pymarc.Record | Rejected] = []
        self.record: pymarc.Record | None = None
        self.problem: Rejected | None = None
        self.field: pymarc.Field | None = None
        self.subfield_code: str | None = None
        self.text: list[str] = []
        self.text_length = 0
        self.record_length = 0

    def startElementNS(self, name, qname, attrs):  # noqa: N802 (SAX's name)
        element = name[1]
        self.text = []
        self.text_length = 0
        if element == "record":
            self.record = pymarc.Record()
            self.problem = None
            self.record_length = 0
        elif self.record is None:
            return
        elif element in ("controlfield", "datafield"):
            tag = attrs.get((None, "tag"), "")
            if len(tag) != 3:
                self.problem = self.problem or Rejected(
                    ErrorKind.UNREADABLE, f"a field without a three-character tag ({tag!r})"
                )
                self.field = None
            elif element == "controlfield":
                self.field = pymarc.Field(tag)
            else:
                indicators = pymarc.Indicators(
                    attrs.get((None, "ind1"), " ")[:1] or " ",
                    attrs.get((None, "ind2"), " ")[:1] or " ",
                )
                self.field = pymarc.Field(tag, indicators)
        elif element == "subfield":
            self.subfield_code = attrs.get((None, "code"), "")[:1] or None

    def endElementNS(self, name, qname):  # noqa: N802 (SAX's name)
        element = name[1]
        text = "".join(self.text)
        self.text = []
        if self.record is None:
            return
        if element == "record":
            self.completed.append(self.problem or self.record)
            self.record = None
        elif element == "leader":
            # MARCXML leaders often leave the record length blank.
            if len(text) != 24 or text[:5].strip(" 0123456789"):
                self.problem = self.problem or Rejected(
                    ErrorKind.UNREADABLE, f"leader {text[:30]!r} is not a MARC leader"
                )
            else:
                self.record.leader = pymarc.Leader(text)
        elif element == "controlfield" and self.field is not None:
            self.field.data = text
            self.record.add_field(self.field)
            self.field = None
        elif element == "datafield" and self.field is not None:
            self.record.add_field(self.field)
            self.field = None
        elif element == "subfield" and self.field is not None and self.subfield_code:
            self.field.add_subfield(self.subfield_code, text)
            self.subfield_code = None

    def characters(self, content):
        if self.record is None:
            return
        self.record_length += len(content)
        self.text_length += len(content)
        if self.text_length > MAX_FIELD_CHARS or self.record_length > MAX_XML_RECORD_CHARS:
            # Keep memory flat: stop collecting text for a record already refused.
            self.problem = self.problem or Rejected(
                ErrorKind.TOO_LONG, f"a field of more than {MAX_FIELD_CHARS:,} characters"
            )
            return
        self.text.append(content)


# Character references XML 1.0 forbids (C0 controls but tab, line feed and carriage
# return): some exports write one in a title, and the parser would stop the file there.
FORBIDDEN_REFERENCE = re.compile(
    rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]));"
)
LONGEST_REFERENCE = 12


def _without_forbidden_references(stream: BinaryIO) -> Iterator[bytes]:
    """Yield the stream's blocks with forbidden character references dropped.

    A reference cut by a block's end is held back and joined to the next block.
    """
    pending = b""
    while block := stream.read(READ_BLOCK):
        data = pending + block
        start = data.rfind(b"&", max(0, len(data) - LONGEST_REFERENCE))
        if start != -1 and b";" not in data[start:]:
            data, pending = data[:start], data[start:]
        else:
            pending = b""
        yield FORBIDDEN_REFERENCE.sub(b"", data)
    if pending:
        yield FORBIDDEN_REFERENCE.sub(b"", pending)


def read_marcxml(stream: BinaryIO) -> Iterator[tuple[int, pymarc.Record | Rejected]]:
    """Yield (record number, record or Rejected) for each <record> of the file.

    Raise ``FileRejected`` when the XML itself breaks: nothing after that
    point can be read, and a file with entity declarations is refused whole.
    """
    handler = MarcXmlHandler()
    parser = make_parser()
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(handler)
    number = 0
    try:
        for block in _without_forbidden_references(stream):
            parser.feed(block)
            for record in handler.completed:
                number += 1
                yield number, record
            handler.completed.clear()
        parser.close()
    except DefusedXmlException as error:
        raise FileRejected(
            ErrorKind.XML,
            f"the file declares XML entities or a DTD, refused for safety ({error})",
        ) from None
    except SAXException as error:
        # The records completed in the block where the XML broke are whole:
        # they go in, and the report says where the file stopped.
        for record in handler.completed:
            number += 1
            yield number, record
        raise FileRejected(ErrorKind.XML, f"broken XML after record {number:,}: {error}") from None
    for record in handler.completed:
        number += 1
        yield number, record
