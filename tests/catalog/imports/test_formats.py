"""Guessing a catalogue file's format from its first bytes."""

import pymarc
import pytest

from catalog.imports.formats import SNIFF_BYTES, Format, NotACatalogueFile, detect_format
from tests.catalog.catalogue_files import unimarc_bytes
from tests.catalog.imports.samples import sample_bytes


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unimarc_995.mrc", Format.UNIMARC),
        ("real_pymarc_unimarc_iccu.mrc", Format.UNIMARC),
        ("koha_marc21_952.mrc", Format.MARC21),
        ("real_pymarc_marc21_marc8.mrc", Format.MARC21),
        ("marc21_slim.xml", Format.MARCXML),
        ("unimarc_no_namespace.xml", Format.MARCXML),
        ("real_bsg_unimarc_marcxml_nordique.xml", Format.MARCXML),
        ("real_pymarc_marcxml_batch.xml", Format.MARCXML),
        ("bad_xml_bomb.xml", Format.MARCXML),
        ("catalogue_semicolon.csv", Format.CSV),
        ("catalogue_comma.csv", Format.CSV),
    ],
)
def test_the_format_is_guessed_from_the_first_bytes(name, expected):
    assert detect_format(sample_bytes(name)[:SNIFF_BYTES]) == expected


@pytest.mark.parametrize("name", ["not_a_catalogue.png", "not_a_catalogue.txt"])
def test_a_file_that_is_not_a_catalogue_is_refused(name):
    with pytest.raises(NotACatalogueFile):
        detect_format(sample_bytes(name)[:SNIFF_BYTES])


def test_an_empty_file_is_not_a_catalogue():
    with pytest.raises(NotACatalogueFile):
        detect_format(b"")


def test_a_byte_order_mark_and_leading_blank_lines_do_not_hide_the_format():
    assert detect_format(b"\xef\xbb\xbf" + sample_bytes("unimarc_995.mrc")) == Format.UNIMARC
    assert detect_format(b"\xef\xbb\xbfrecord_id;title\r\n1;Dune\r\n") == Format.CSV
    assert detect_format(b"\n\n" + sample_bytes("koha_marc21_952.mrc")) == Format.MARC21


def test_marcxml_with_a_prefixed_namespace_or_a_comment_is_marcxml():
    assert detect_format(b'<marc:collection xmlns:marc="x">') == Format.MARCXML
    assert detect_format(b"<?xml version='1.0'?>\n<!-- export -->\n<record>") == Format.MARCXML


def test_a_csv_must_name_record_id_and_title_in_its_header():
    with pytest.raises(NotACatalogueFile):
        detect_format(b"id;titre;auteur\n1;Dune;Herbert\n")
    assert detect_format(b"Title,Record_ID,Barcode\n") == Format.CSV


def _deleted(identifier: str) -> bytes:
    """A deletion as library systems export it: leader/05 'd', an identifier, no title."""
    record = pymarc.Record(leader="00000dam  2200000   4500", force_utf8=True)
    record.add_field(pymarc.Field(tag="001", data=identifier))
    return record.as_marc()


def test_the_flavour_is_voted_by_the_first_records_not_the_first_alone():
    books = [(f"U{n}", f"Livre {n}", [(f"U{n}-1", "R")]) for n in range(1, 4)]
    unimarc_after_a_deletion = _deleted("U0") + unimarc_bytes("HAVEL", books)

    assert detect_format(unimarc_after_a_deletion[:SNIFF_BYTES]) == Format.UNIMARC


def test_a_blank_type_of_record_in_the_leader_is_still_marc():
    """Koha writes leader/06 blank for some records: the file is MARC all the same."""
    record = pymarc.Record(leader="00000n   a2200000   4500")
    record.add_field(
        pymarc.Field(tag="001", data="42"),
        pymarc.Field(
            tag="245",
            indicators=pymarc.Indicators("0", "0"),
            subfields=[pymarc.Subfield("a", "Dune")],
        ),
    )

    assert detect_format(record.as_marc()) == Format.MARC21
