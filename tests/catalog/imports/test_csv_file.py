"""Reading a catalogue CSV: one row per copy, consecutive rows of a record grouped."""

import io

import pytest

from catalog.imports.csv_file import looks_like_catalogue_csv, read_csv
from catalog.imports.records import ErrorKind
from tests.catalog.imports.samples import sample_bytes


def read(content: bytes, **options) -> list:
    return list(read_csv(io.BytesIO(content), **options))


@pytest.mark.parametrize("name", ["catalogue_semicolon.csv", "catalogue_comma.csv"])
def test_rows_of_one_record_are_grouped_into_its_copies(name):
    sources = read(sample_bytes(name))

    assert [source.number for source in sources] == [1, 2, 3]
    prince, blue, no_copies = (source.data for source in sources)
    assert prince.title == "Le petit prince"
    assert prince.creators == "Saint-Exupéry, Antoine de"
    assert (prince.year, prince.isbn, prince.document_type) == (1999, "9782070612758", "book")
    assert [(c.barcode, c.branch_code, c.call_number, c.on_shelf) for c in prince.copies] == [
        ("C1-1", "HAVEL", "R SAI", True),
        ("C1-2", "CABANIS", "R SAI", False),  # "en prêt"
    ]
    assert blue.document_type == "cd"
    assert blue.copies[0].on_shelf  # an empty status is on the shelf
    assert no_copies.document_type == "book"  # the default type
    assert no_copies.copies == []


def test_the_header_may_be_in_any_order_and_case_with_a_byte_order_mark():
    sources = read("\ufeffBarcode,Title,Record_ID\nB-1,Dune,42\n".encode())

    assert sources[0].data.identifier == "42"
    assert sources[0].data.title == "Dune"
    assert sources[0].data.copies[0].barcode == "B-1"


def test_a_40000_character_summary_rejects_its_record_only():
    sources = read(sample_bytes("bad_long_field.csv"))

    assert [(s.number, s.identifier, s.error and s.error.kind) for s in sources] == [
        (1, "L1", None),
        (2, "L2", ErrorKind.TOO_LONG),
        (3, "L3", None),
    ]
    assert sources[1].data is None
    assert sources[2].data.copies[0].branch_code == "CABANIS"


def test_a_row_that_is_not_utf8_rejects_its_record_only():
    content = b"record_id;title;barcode\n1;Premier;B1\n2;Deuxi\xe8me;B2\n3;Troisi\xc3\xa8me;B3\n"

    sources = read(content)

    assert [(s.identifier, s.error and s.error.kind) for s in sources] == [
        ("1", None),
        ("2", ErrorKind.ENCODING),
        ("3", None),
    ]
    assert sources[2].data.title == "Troisième"


def test_a_latin1_file_is_read_with_its_encoding():
    sources = read("record_id;title\n2;Deuxième\n".encode("latin-1"), encoding="latin-1")

    assert sources[0].data.title == "Deuxième"


def test_an_unknown_encoding_is_refused_before_reading():
    with pytest.raises(LookupError):
        read(b"record_id;title\n1;Dune\n", encoding="klingon")


def test_a_row_without_title_is_rejected_and_numbered():
    sources = read(b"record_id,title\n1,Dune\n2,\n3,Salammbo\n")

    assert [(s.number, s.error and s.error.kind) for s in sources] == [
        (1, None),
        (2, ErrorKind.NO_TITLE),
        (3, None),
    ]


def test_a_runaway_quote_is_a_csv_error_not_the_rest_of_the_file_in_one_field():
    content = b'record_id,title\n1,"Dune\n' + b"2,x\n" * 30_000

    sources = read(content)

    assert any(s.error is not None and s.error.kind == ErrorKind.CSV for s in sources)


def test_looks_like_catalogue_csv_needs_both_required_columns():
    assert looks_like_catalogue_csv(b"record_id;title;barcode\n")
    assert not looks_like_catalogue_csv(b"record_id;barcode\n")


def test_a_pipe_separated_export_is_read():
    """Syracuse and others write '|' between columns."""
    content = b"record_id|title|barcode|branch\n7|Les Mis\xc3\xa9rables|B-7|HAVEL\n"

    assert looks_like_catalogue_csv(content)
    [source] = read(content)
    assert (source.data.title, source.data.copies[0].barcode) == ("Les Misérables", "B-7")


def test_control_characters_never_reach_the_summary_but_its_lines_stay():
    content = b'record_id;title;summary\n8;Dune;"Sur Arrakis\x00,\nl\'\xc3\xa9pice\x07."\n'

    [source] = read(content)

    assert source.data.summary == "Sur Arrakis,\nl'épice."
