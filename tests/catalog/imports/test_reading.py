"""Reading a file of any format into checked records, bad ones numbered and reported."""

import io

import pymarc
import pytest

from catalog.imports import reading
from catalog.imports.formats import Format
from catalog.imports.marc import FileRejected
from catalog.imports.reading import CountingReader, read_sources, sniff
from catalog.imports.records import ErrorKind
from tests.catalog.imports.samples import sample_bytes


def read(name: str, file_format: Format) -> list:
    return list(read_sources(io.BytesIO(sample_bytes(name)), file_format))


def summary(sources) -> list[tuple[int, str]]:
    return [(s.number, s.error.kind if s.error else s.data.identifier) for s in sources]


@pytest.mark.parametrize(
    ("name", "file_format", "expected"),
    [
        ("bad_truncated_middle.mrc", Format.UNIMARC, [(1, "B1"), (2, "truncated"), (3, "B3")]),
        ("bad_wrong_leader.mrc", Format.UNIMARC, [(1, "B1"), (2, "unreadable"), (3, "B3")]),
        ("bad_broken_utf8.mrc", Format.UNIMARC, [(1, "B1"), (2, "encoding"), (3, "B3")]),
        ("bad_no_title.mrc", Format.UNIMARC, [(1, "T1"), (2, "no_title"), (3, "T3")]),
        ("bad_long_field.xml", Format.MARCXML, [(1, "201"), (2, "too_long"), (3, "203")]),
        ("bad_long_field.csv", Format.CSV, [(1, "L1"), (2, "too_long"), (3, "L3")]),
    ],
)
def test_a_bad_record_is_reported_with_its_kind_and_number_and_the_rest_is_read(
    name, file_format, expected
):
    assert summary(read(name, file_format)) == expected


def test_a_file_that_ends_mid_record_yields_what_came_before_then_stops():
    sources = read_sources(io.BytesIO(sample_bytes("bad_truncated_end.mrc")), Format.UNIMARC)
    read = []

    with pytest.raises(FileRejected):
        read.extend(sources)

    assert summary(read) == [(1, "B1"), (2, "B3"), (3, "truncated")]


def test_a_rejected_record_keeps_its_identifier_when_it_has_one():
    sources = read("bad_no_title.mrc", Format.UNIMARC)

    assert sources[1].identifier == "T2"
    assert sources[1].data is None


def test_marcxml_is_mapped_as_marc21_or_unimarc_by_its_title_field():
    marc21 = read("marc21_slim.xml", Format.MARCXML)
    unimarc = read("unimarc_no_namespace.xml", Format.MARCXML)
    real = read("real_bsg_unimarc_marcxml_nordique.xml", Format.MARCXML)

    assert [s.data.identifier for s in marc21] == ["101", "102", "103"]
    assert [s.data.document_type for s in unimarc] == ["book", "cd", "dvd", "periodical"]
    assert real[0].data.title.startswith("Observationes juris practicae")
    assert real[0].data.language == "swe"


def test_a_real_marcxml_sound_recording_is_a_cd():
    sources = read("real_pymarc_marcxml_batch.xml", Format.MARCXML)

    assert sources[0].data.title == "The Great Ray Charles"
    assert sources[0].data.document_type == "cd"


def test_marc8_accents_come_out_composed():
    record = pymarc.Record(leader="     nam a22     7a 4500")
    record.add_field(
        pymarc.Field(tag="001", data="M8"),
        pymarc.Field(
            tag="245",
            indicators=pymarc.Indicators("1", "0"),
            subfields=[pymarc.Subfield("a", "De la solitude ## la communaut##")],
        ),
    )
    raw = bytearray(record.as_marc())
    raw[9:10] = b" "  # leader/09 blank: MARC-8
    # In MARC-8 a combining accent (grave E1, acute E2) comes before its letter.
    marc8 = bytes(raw).replace(b"##", b"\xe1a", 1).replace(b"##", b"\xe2e", 1)

    [source] = read_sources(io.BytesIO(marc8), Format.MARC21)

    assert source.data.title == "De la solitude à la communauté"


def test_a_mapping_that_crashes_costs_only_its_record(monkeypatch):
    original = reading.map_unimarc

    def crash_on_the_cd(record):
        if record["001"].data == "U0002":
            raise KeyError("surprise")
        return original(record)

    monkeypatch.setattr(reading, "map_unimarc", crash_on_the_cd)

    sources = read("unimarc_995.mrc", Format.UNIMARC)

    assert summary(sources)[1] == (2, ErrorKind.UNREADABLE)
    assert "KeyError" in sources[1].error.detail
    assert [s.data.identifier for s in sources if s.data] == ["U0001", "U0003", "U0004"]


def test_sniff_leaves_the_stream_at_its_start():
    stream = io.BytesIO(sample_bytes("koha_marc21_952.mrc"))

    assert sniff(stream) == Format.MARC21
    assert stream.tell() == 0


def test_the_counting_reader_counts_the_bytes_read():
    content = sample_bytes("unimarc_995.mrc")
    counting = CountingReader(io.BytesIO(content))

    list(read_sources(counting, Format.UNIMARC))

    assert counting.position == len(content)
