"""The checks every record passes, whatever its format."""

import pytest

from catalog.imports.records import (
    MAX_CREATORS,
    CopyData,
    ErrorKind,
    RecordData,
    Rejected,
    check_record,
    clean_text,
    normalise_ean,
    normalise_isbn,
    parse_year,
)


def record(**fields) -> RecordData:
    return RecordData(**{"identifier": "1", "title": "Dune", "document_type": "book", **fields})


def test_clean_text_collapses_white_space_and_drops_control_characters():
    assert clean_text("  Le\tpetit\r\n prince\x1f ") == "Le petit prince"
    assert clean_text(None) == ""


def test_clean_text_drops_the_non_sorting_marks_and_keeps_the_article():
    assert clean_text("\x88L'\x89altra faccia") == "L'altra faccia"
    assert clean_text("\x98The \x9cwhite house") == "The white house"
    assert clean_text("a\x85b") == "a b"


@pytest.mark.parametrize(
    ("value", "year"),
    [("c2003", 2003), ("[1996?]", 1996), ("DL 1999", 1999), ("s.d.", None), ("", None)],
)
def test_parse_year_takes_the_first_plausible_year(value, year):
    assert parse_year(value) == year


def test_isbns_lose_their_hyphens_and_qualifiers():
    assert normalise_isbn("978-2-07-061275-8 (br.)") == "9782070612758"
    assert normalise_isbn("2-07-036822-X") == "207036822X"
    assert normalise_isbn("pas d'ISBN") == ""


def test_eans_are_twelve_or_thirteen_digits():
    assert normalise_ean("5099750442227 (CD)") == "5099750442227"
    assert normalise_ean("12345") == ""


def test_a_record_without_identifier_or_title_is_rejected():
    with pytest.raises(Rejected) as no_identifier:
        check_record(record(identifier=""))
    with pytest.raises(Rejected) as no_title:
        check_record(record(title=""))

    assert no_identifier.value.kind == ErrorKind.NO_IDENTIFIER
    assert no_title.value.kind == ErrorKind.NO_TITLE


def test_a_field_longer_than_its_column_is_rejected_and_named():
    with pytest.raises(Rejected) as error:
        check_record(record(title="x" * 501))

    assert error.value.kind == ErrorKind.TOO_LONG
    assert error.value.detail.startswith("title: 501 characters")


def test_too_many_creators_are_cut_at_a_whole_name():
    names = [f"Auteur numéro {n:03d}" for n in range(60)]

    checked = check_record(record(creators="; ".join(names)))

    assert len(checked.creators) <= MAX_CREATORS
    assert checked.creators.split("; ") == names[: len(checked.creators.split("; "))]


def test_a_copy_without_a_usable_barcode_is_dropped_and_reported():
    checked = check_record(
        record(
            copies=[
                CopyData(barcode="", branch_code="HAVEL"),
                CopyData(barcode="B" * 33, branch_code="HAVEL"),
                CopyData(barcode="OK-1", branch_code="HAVEL", call_number="R" * 80),
            ]
        )
    )

    assert [copy.barcode for copy in checked.copies] == ["OK-1"]
    assert checked.copies[0].call_number == "R" * 64
    assert [kind for kind, _detail in checked.copy_errors] == [ErrorKind.BAD_BARCODE] * 2
