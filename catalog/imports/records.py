"""The import's view of a record and its copies, and the checks they pass."""

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# The longest field an ISO 2709 record can carry (a 4-digit length): anything
# longer in a MARCXML or CSV file is a broken export, not a real field.
MAX_FIELD_CHARS = 9_999
# Column sizes of catalog.Record and catalog.Item.
MAX_IDENTIFIER = 64
MAX_TITLE = 500
MAX_CREATORS = 500
MAX_PUBLISHER = 255
MAX_BARCODE = 32
MAX_CALL_NUMBER = 64


class ErrorKind:
    """Why a record or a copy was skipped; each kind is counted in the report."""

    UNREADABLE = "unreadable"
    TRUNCATED = "truncated"
    ENCODING = "encoding"
    XML = "xml"
    CSV = "csv"
    NO_IDENTIFIER = "no_identifier"
    NO_TITLE = "no_title"
    TOO_LONG = "too_long"
    DUPLICATE_RECORD = "duplicate_record"
    DUPLICATE_BARCODE = "duplicate_barcode"
    BAD_BARCODE = "bad_barcode"
    UNKNOWN_TYPE = "unknown_type"
    REFUSED = "refused"

    LABELS = {
        UNREADABLE: _("unreadable record (wrong leader or directory)"),
        TRUNCATED: _("truncated record"),
        ENCODING: _("text that is not valid UTF-8 or MARC-8"),
        XML: _("broken XML"),
        CSV: _("unreadable CSV row"),
        NO_IDENTIFIER: _("record without an identifier"),
        NO_TITLE: _("record without a title"),
        TOO_LONG: _("field too long"),
        DUPLICATE_RECORD: _("record identifier already seen in this file"),
        DUPLICATE_BARCODE: _("barcode already seen in this file (copy skipped)"),
        BAD_BARCODE: _("copy without a usable barcode (copy skipped)"),
        UNKNOWN_TYPE: _("unknown document type"),
        REFUSED: _("record refused by the database"),
    }

    @classmethod
    def label(cls, kind: str) -> str:
        return str(cls.LABELS.get(kind, kind))


class Rejected(Exception):
    """A record that cannot be imported: reported with its kind and skipped."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(detail or kind)
        self.kind = kind
        self.detail = detail
        # The barcodes the record lists, when it could be read that far: a
        # full export still lists those copies, which are not withdrawn.
        self.barcodes: list[str] = []


@dataclass(slots=True)
class CopyData:
    """One copy as the library system describes it."""

    barcode: str
    branch_code: str
    call_number: str = ""
    # False when the library system says the copy is lost, withdrawn, damaged,
    # not for loan or out on loan: it is not on the shelf to be reserved.
    on_shelf: bool = True
    # The library system's status code (995 $o, 952 $7, a CSV's status), as the file
    # gives it, and whether that code means "on the shelf".
    status_code: str = ""
    status_on_shelf: bool = True


@dataclass(slots=True)
class RecordData:
    """One record as the library system describes it, with its copies."""

    identifier: str
    title: str
    document_type: str
    creators: str = ""
    publisher: str = ""
    year: int | None = None
    language: str = ""
    isbn: str = ""
    ean: str = ""
    subjects: str = ""
    summary: str = ""
    copies: list[CopyData] = field(default_factory=list)
    # Copies dropped while reading (no barcode...): (kind, detail).
    copy_errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class SourceRecord:
    """What a reader yields: a record's position in the file and its data."""

    number: int
    data: RecordData | None = None
    error: Rejected | None = None
    # The library system deleted the record (MARC leader/05 "d"): its copies leave the shelf.
    deleted: bool = False
    identifier: str = ""

    @property
    def listed_barcodes(self) -> list[str]:
        """The barcodes of a rejected record, when it could be read that far."""
        return self.error.barcodes if self.error is not None else []


def clean_text(value: str | None) -> str:
    """Collapse runs of white space; drop control characters and non-sorting marks.

    Accents are composed (NFC): MARC-8 records decode to a letter followed by
    a combining accent, which would not match the same word typed in a search.
    """
    if not value:
        return ""
    value = unicodedata.normalize("NFC", NON_SORTING_MARKS.sub("", value))
    return " ".join(CONTROL_CHARACTERS.sub(" ", value).split())


# C0 and C1 controls. UNIMARC marks an article not to sort on between
# U+0088 and U+0089 ("\x88L'\x89altra"), MARC 21 between U+0098 and U+009C:
# the marks go, the article stays, with no space added.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
NON_SORTING_MARKS = re.compile(r"[\x88\x89\x98\x9c]")
ISBD_TRAILING = " /:;,=.+"


# A value that ends with an initial ("Rowling, J. K."): its full stop is kept.
ENDS_WITH_INITIAL = re.compile(r"(?:^|[\s.,'-])[^\W\d_]$")


def strip_isbd(value: str) -> str:
    """Drop the ISBD punctuation that MARC leaves at the end of a field ("Title /").

    An initial keeps its full stop ("Dumas, A."); another closing abbreviation
    loses it, a small price for titles and names without trailing " /", " :" or ".".
    """
    text = clean_text(value)
    stripped = text.rstrip(ISBD_TRAILING)
    if text[len(stripped) :].startswith(".") and ENDS_WITH_INITIAL.search(stripped):
        return stripped + "."
    return stripped


def strip_isbd_both_ends(value: str) -> str:
    """Drop ISBD punctuation at both ends of a part of a title (", 1465-1927" → "1465-1927")."""
    return strip_isbd(value).lstrip(ISBD_TRAILING)


# Between parts of a title, the punctuation that ends the part before says how
# they join ("Macroeconomics :" + "a European text"); without any, the part's role does.
ISBD_SEPARATORS = {":": " : ", ";": " ; ", "=": " = ", ",": ", ", ".": ". "}


def join_title(parts: list[tuple[str, str]], separators: dict[str, str]) -> str:
    """Join a title's (subfield code, value) parts with their ISBD separators."""
    title = ""
    previous = ""
    for code, value in parts:
        text = strip_isbd_both_ends(value)
        if not text:
            continue
        if title:
            ending = previous.rstrip()[-1:]
            title += ISBD_SEPARATORS.get(ending) or separators.get(code, " ")
        title += text
        previous = value
    return title


def join_limited(values: list[str], limit: int, separator: str = "; ") -> str:
    """Join distinct values, dropping whole values that would pass the limit."""
    joined: list[str] = []
    length = 0
    for value in dict.fromkeys(v for v in values if v):
        extra = len(value) + (len(separator) if joined else 0)
        if length + extra > limit:
            break
        joined.append(value)
        length += extra
    return separator.join(joined)


YEAR = re.compile(r"(1[0-9]{3}|20[0-9]{2}|2100)")


def parse_year(value: str | None) -> int | None:
    """The first plausible four-digit year in a date statement ("c2003", "[1996?]")."""
    if not value:
        return None
    match = YEAR.search(value)
    return int(match.group(1)) if match else None


def normalise_isbn(value: str | None) -> str:
    """An ISBN-13 or ISBN-10 without hyphens, or "" when the value holds none."""
    if not value:
        return ""
    match = re.search(r"[0-9][0-9\- ]{8,16}[0-9Xx]", value)
    if not match:
        return ""
    digits = re.sub(r"[^0-9Xx]", "", match.group(0)).upper()
    return digits if len(digits) in (10, 13) else ""


def normalise_ean(value: str | None) -> str:
    """A 13-digit EAN (or 12-digit UPC), or "" when the value holds none."""
    if not value:
        return ""
    digits = re.sub(r"[^0-9]", "", value.split("(")[0])
    return digits if len(digits) in (12, 13) else ""


def check_record(record: RecordData) -> RecordData:
    """Return the record once it fits the catalogue, or raise ``Rejected``."""
    try:
        return _check_record(record)
    except Rejected as rejected:
        rejected.barcodes = [copy.barcode for copy in record.copies if copy.barcode]
        raise


def _check_record(record: RecordData) -> RecordData:
    if not record.identifier:
        raise Rejected(ErrorKind.NO_IDENTIFIER)
    if not record.title:
        raise Rejected(ErrorKind.NO_TITLE)
    limits = {
        "identifier": MAX_IDENTIFIER,
        "title": MAX_TITLE,
        "publisher": MAX_PUBLISHER,
        "subjects": MAX_FIELD_CHARS,
        "summary": MAX_FIELD_CHARS,
    }
    for name, limit in limits.items():
        length = len(getattr(record, name))
        if length > limit:
            raise Rejected(ErrorKind.TOO_LONG, f"{name}: {length:,} characters (at most {limit:,})")
    if len(record.creators) > MAX_CREATORS:
        record.creators = join_limited(record.creators.split("; "), MAX_CREATORS)
    kept = []
    for copy in record.copies:
        if not copy.barcode or len(copy.barcode) > MAX_BARCODE:
            record.copy_errors.append((ErrorKind.BAD_BARCODE, copy.barcode[:40]))
            continue
        copy.call_number = copy.call_number[:MAX_CALL_NUMBER]
        kept.append(copy)
    record.copies = kept
    return record
