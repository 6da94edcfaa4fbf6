"""Map MARC records, UNIMARC or MARC 21, to the catalogue's records and copies.

| | UNIMARC | MARC 21 (Koha) |
|---|---|---|
| identifier | 001, else 090 $a | Koha's 999 $c (not a copy's), else 001 |
| title | 200 $a $e $h $i | 245 $a $b $n $p |
| creators | 700-702, 710-712 | 100, 110, 111, 700, 710, 711 |
| publisher, year | 210 or 214 $c $d, year else 100 | 264 or 260 $b; year 008, else 26x $c |
| language | 101 $a | 008/35-37, else 041 $a |
| ISBN, EAN | 010 $a, 073 $a | 020 $a, 024 $a (first indicator 3) |
| subjects | 600-610 | 600-655 |
| summary | 330 $a | 520 $a $b |
| document type | leader/06 and /07 | leader/06 and /07 |
| copies | 995 | 952 |

Copies (995 after the French recommendation and Koha's UNIMARC framework;
952 after Koha's MARC 21 framework):

- barcode: 995 $f, 952 $p;
- branch: 995 $c (holding), else $b (owner); 952 $b (holding), else $a (home);
- call number: 995 $k, 952 $o;
- off the shelf when set: 995 $o (circulation), $0 (withdrawn), $2 (lost),
  $n (due date); 952 $0 (withdrawn), $1 (lost), $4 (damaged), $7 (not for
  loan), $q (due date).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pymarc
from django.conf import settings

from .records import (
    MAX_CREATORS,
    MAX_FIELD_CHARS,
    CopyData,
    RecordData,
    check_record,
    clean_text,
    join_limited,
    join_title,
    normalise_ean,
    normalise_isbn,
    parse_year,
    strip_isbd,
)

# The document types an import may create, with their names (French, English).
DOCUMENT_TYPE_NAMES = {
    "book": ("Livre", "Book"),
    "cd": ("CD", "CD"),
    "dvd": ("DVD", "DVD"),
    "audiobook": ("Livre audio", "Audiobook"),
    "score": ("Partition", "Score"),
    "periodical": ("Revue", "Periodical"),
    "map": ("Carte", "Map"),
    "multimedia": ("Multimédia", "Multimedia"),
    "other": ("Autre document", "Other document"),
}

# Leader/06 (type of record), for both formats where they agree.
TYPE_OF_RECORD = {
    "a": "book",
    "b": "book",
    "t": "book",
    "c": "score",
    "d": "score",
    "e": "map",
    "f": "map",
    "g": "dvd",
    "i": "audiobook",
    "j": "cd",
}
UNIMARC_TYPE_OF_RECORD = {**TYPE_OF_RECORD, "l": "multimedia", "m": "multimedia"}
MARC21_TYPE_OF_RECORD = {**TYPE_OF_RECORD, "m": "multimedia", "o": "multimedia"}
NOT_ON_SHELF_VALUES = {"", "0"}

Fields = dict[str, list[pymarc.Field]]
# How a title's parts join when the part before ends without ISBD punctuation.
UNIMARC_TITLE_SEPARATORS = {"a": " ; ", "e": " : ", "h": ". ", "i": ". "}
MARC21_TITLE_SEPARATORS = {"a": " ; ", "b": " : ", "n": ". ", "p": ". "}


def fields_by_tag(record: pymarc.Record) -> Fields:
    grouped: Fields = defaultdict(list)
    for field in record.fields:
        grouped[field.tag].append(field)
    return grouped


def first(fields: Fields, tags: tuple[str, ...], code: str) -> str:
    """The first non-empty subfield ``code`` among the fields of these tags, in order.

    A repeated subfield is read to its first non-empty value (210 $d "" then $d 1976-).
    """
    for tag in tags:
        for field in fields.get(tag, ()):
            if field.is_control_field():
                continue
            for value in field.get_subfields(code):
                if value and value.strip():
                    return value
    return ""


def deleted_record_identifier(record: pymarc.Record, flavour: str) -> str:
    """Return the identifier of a record the library system deleted (it may have no title)."""
    fields = fields_by_tag(record)
    return unimarc_identifier(fields) if flavour == "unimarc" else marc21_identifier(fields)


def unimarc_identifier(fields: Fields) -> str:
    return clean_text(control(fields, "001") or first(fields, ("090",), "a"))


def marc21_identifier(fields: Fields) -> str:
    return clean_text(koha_biblionumber(fields) or control(fields, "001"))


def koha_biblionumber(fields: Fields) -> str:
    """Return the record number Koha writes in 999 $c, or '' for a 999 of another system.

    SirsiDynix also writes 999, one per copy, whose $c is the copy number ("1"):
    its copy's subfields (barcode $i, class scheme $w, location $l, library $m)
    tell it apart. Koha's holds only $c and $d, the biblio and biblioitem numbers.
    """
    for field in fields.get("999", ()):
        if field.is_control_field():
            continue
        codes = {code for code, _value in field.subfields}
        if "c" in codes and not codes & set("iwlm"):
            return (field.get("c") or "").strip()
    return ""


def title_of(fields: Fields, tag: str, separators: dict[str, str]) -> str:
    """Return the title from the first field of `tag`: its parts that have a separator."""
    return join_title(
        [
            (code, value)
            for field in fields.get(tag, [])[:1]
            if not field.is_control_field()
            for code, value in field.subfields
            if code in separators
        ],
        separators,
    )


def control(fields: Fields, tag: str) -> str:
    for field in fields.get(tag, ()):
        if field.is_control_field() and field.data:
            return field.data
    return ""


def document_type_of(leader: str, table: dict[str, str]) -> str:
    if len(leader) < 8:
        return "other"
    kind = table.get(leader[6], "other")
    if kind == "book" and leader[7] == "s":
        return "periodical"
    return kind


def subject_headings(fields: Fields, tags: tuple[str, ...], codes: str) -> str:
    headings = []
    for tag in tags:
        for field in fields.get(tag, ()):
            if field.is_control_field():
                continue
            parts = [strip_isbd(value) for code, value in field.subfields if code in codes]
            heading = " -- ".join(part for part in parts if part)
            if heading:
                headings.append(heading)
    return join_limited(headings, limit=MAX_FIELD_CHARS)


def is_set(value: str | None) -> bool:
    return (value or "").strip() not in NOT_ON_SHELF_VALUES


@dataclass(frozen=True)
class CopyField:
    """Where a holdings field keeps a copy's data, by subfield code."""

    tag: str
    barcode: str
    # In order of preference: where the copy is now, else where it belongs.
    branch: str
    call_number: str
    # The status code: on the shelf when empty or one of CATALOG_IMPORT_ON_SHELF_CODES.
    status: str
    # Any of these set (and not "0") takes the copy off the shelf: lost, due back...
    off_shelf: str


UNIMARC_995 = CopyField(
    "995", barcode="f", branch="cb", call_number="k", status="o", off_shelf="02n"
)
KOHA_952 = CopyField("952", barcode="p", branch="ba", call_number="o", status="7", off_shelf="014q")


def copies_of(fields: Fields, layout: CopyField) -> list[CopyData]:
    on_shelf_codes = {"", *settings.CATALOG_IMPORT_ON_SHELF_CODES}
    copies = []
    for field in fields.get(layout.tag, ()):
        if field.is_control_field():
            continue
        branch = next((field.get(code) for code in layout.branch if field.get(code)), "")
        status = clean_text(field.get(layout.status))
        copies.append(
            CopyData(
                barcode=clean_text(field.get(layout.barcode)),
                branch_code=clean_text(branch),
                call_number=clean_text(field.get(layout.call_number)),
                on_shelf=status in on_shelf_codes
                and not any(is_set(field.get(code)) for code in layout.off_shelf),
                status_code=status,
                status_on_shelf=status in on_shelf_codes,
            )
        )
    return copies


def map_unimarc(record: pymarc.Record) -> RecordData:
    """The catalogue's view of a UNIMARC record, with its 995 copies."""
    fields = fields_by_tag(record)
    title = title_of(fields, "200", UNIMARC_TITLE_SEPARATORS)
    creators = []
    for tag in ("700", "701", "702", "710", "711", "712"):
        for field in fields.get(tag, ()):
            if field.is_control_field():
                continue
            surname = strip_isbd(field.get("a") or "")
            forename = strip_isbd((field.get("b") or "").lstrip(", "))
            creators.append(f"{surname}, {forename}" if surname and forename else surname)
    coded = first(fields, ("100",), "a")
    copies = copies_of(fields, UNIMARC_995)
    return check_record(
        RecordData(
            identifier=unimarc_identifier(fields),
            title=title,
            document_type=document_type_of(str(record.leader), UNIMARC_TYPE_OF_RECORD),
            creators=join_limited(creators, MAX_CREATORS),
            publisher=strip_isbd(first(fields, ("210", "214"), "c")),
            year=parse_year(first(fields, ("210", "214"), "d")) or parse_year(coded[9:13]),
            language=clean_text(first(fields, ("101",), "a")).lower()[:3],
            isbn=normalise_isbn(first(fields, ("010",), "a")),
            ean=normalise_ean(first(fields, ("073",), "a")),
            subjects=subject_headings(
                fields, ("600", "601", "602", "604", "605", "606", "607", "608", "610"), "axyzj"
            ),
            summary=clean_text(first(fields, ("330",), "a")),
            copies=copies,
        )
    )


def map_marc21(record: pymarc.Record) -> RecordData:
    """The catalogue's view of a MARC 21 record, with its Koha 952 copies."""
    fields = fields_by_tag(record)
    title = title_of(fields, "245", MARC21_TITLE_SEPARATORS)
    creators = [
        strip_isbd(field.get("a") or "")
        for tag in ("100", "110", "111", "700", "710", "711")
        for field in fields.get(tag, ())
        if not field.is_control_field()
    ]
    fixed = control(fields, "008")
    language = fixed[35:38].strip() if len(fixed) >= 38 else ""
    if not language.isalpha():
        language = first(fields, ("041",), "a")
    ean = ""
    for field in fields.get("024", ()):
        if not field.is_control_field() and field.indicator1 == "3":
            ean = normalise_ean(field.get("a"))
            break
    summary = " ".join(
        clean_text(value)
        for field in fields.get("520", [])[:1]
        for code, value in field.subfields
        if code in "ab"
    )
    copies = copies_of(fields, KOHA_952)
    return check_record(
        RecordData(
            identifier=marc21_identifier(fields),
            title=title.strip(),
            document_type=document_type_of(str(record.leader), MARC21_TYPE_OF_RECORD),
            creators=join_limited(creators, MAX_CREATORS),
            publisher=strip_isbd(first(fields, ("264", "260"), "b")),
            # The coded year first: a date statement may hold another calendar's year.
            year=parse_year(fixed[7:11]) or parse_year(first(fields, ("264", "260"), "c")),
            language=clean_text(language).lower()[:3],
            isbn=normalise_isbn(first(fields, ("020",), "a")),
            ean=ean,
            subjects=subject_headings(
                fields, ("600", "610", "611", "630", "650", "651", "655"), "avxyz"
            ),
            summary=summary,
            copies=copies,
        )
    )


MAPPERS: dict[str, Callable[[pymarc.Record], RecordData]] = {
    "unimarc": map_unimarc,
    "marc21": map_marc21,
}
