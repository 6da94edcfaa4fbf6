"""Reading MARC files: ISO 2709 cut on record terminators, MARCXML streamed by SAX."""

import io
import unicodedata

import pymarc
import pytest

from catalog.imports import marc
from catalog.imports.marc import (
    FileRejected,
    decode_iso2709,
    iso2709_chunks,
    read_iso2709,
    read_marcxml,
)
from catalog.imports.records import ErrorKind, Rejected
from tests.catalog.catalogue_files import unimarc_record
from tests.catalog.imports.samples import sample_bytes


def outcomes(records) -> list[tuple[int, str]]:
    """(number, record id or error kind) for each record read."""
    return [
        (number, item.kind if isinstance(item, Rejected) else item["001"].data)
        for number, item in records
    ]


def marcxml_of(count: int) -> bytes:
    buffer = io.BytesIO()
    writer = pymarc.XMLWriter(buffer)
    for n in range(1, count + 1):
        record = pymarc.Record(leader="     nam a22     7a 4500")
        record.add_field(
            pymarc.Field(tag="001", data=f"{n:05d}"),
            pymarc.Field(
                tag="245",
                indicators=pymarc.Indicators("1", "0"),
                subfields=[pymarc.Subfield("a", f"Titre numéro {n} " + "x" * 200)],
            ),
        )
        writer.write(record)
    writer.close(close_fh=False)
    return buffer.getvalue()


class TestIso2709Chunks:
    def test_each_record_is_one_chunk_ending_with_its_terminator(self):
        chunks = list(iso2709_chunks(io.BytesIO(sample_bytes("unimarc_995.mrc"))))

        assert len(chunks) == 4
        assert all(chunk.endswith(b"\x1d") for chunk in chunks)
        assert all(int(chunk[:5]) == len(chunk) for chunk in chunks)

    def test_line_breaks_between_records_are_ignored(self):
        first, second = list(iso2709_chunks(io.BytesIO(sample_bytes("unimarc_995.mrc"))))[:2]

        chunks = list(iso2709_chunks(io.BytesIO(first + b"\r\n" + second + b"\n")))

        assert chunks == [first, second]

    def test_a_run_without_terminator_costs_one_record_not_the_memory(self, monkeypatch):
        monkeypatch.setattr(marc, "READ_BLOCK", 1024)
        record = sample_bytes("unimarc_995.mrc").split(b"\x1d")[0] + b"\x1d"

        chunks = list(iso2709_chunks(io.BytesIO(b"x" * 150_000 + b"\x1d" + record)))

        assert chunks == [b"", record]

    def test_the_last_record_may_lack_its_terminator(self):
        data = sample_bytes("bad_truncated_end.mrc")

        chunks = list(iso2709_chunks(io.BytesIO(data)))

        assert len(chunks) == 3
        assert not chunks[-1].endswith(b"\x1d")


class TestReadIso2709:
    def test_a_record_truncated_in_the_middle_costs_only_itself(self):
        records = read_iso2709(
            io.BytesIO(sample_bytes("bad_truncated_middle.mrc")), force_utf8=True
        )

        assert outcomes(records) == [(1, "B1"), (2, ErrorKind.TRUNCATED), (3, "B3")]

    def test_a_record_truncated_at_the_end_is_reported_and_stops_the_file(self):
        records = read_iso2709(io.BytesIO(sample_bytes("bad_truncated_end.mrc")), force_utf8=True)
        read = []

        with pytest.raises(FileRejected) as stopped:
            for number, item in records:
                read.append(outcomes([(number, item)])[0])

        assert read == [(1, "B1"), (2, "B3"), (3, ErrorKind.TRUNCATED)]
        assert stopped.value.detail == "the file ends in the middle of record 3"

    def test_a_stray_record_terminator_inside_a_title_costs_nothing(self):
        """The numbers of the records after it stay right, and the record is read whole."""
        titles = ["Titre 1", "Tit\x1dre 2", "Titre 3"]  # counted in record 2's lengths
        raw = b"".join(
            unimarc_record(f"S{n}", title, [(f"S{n}-1", "R")], "HAVEL").as_marc()
            for n, title in enumerate(titles, 1)
        )

        read = outcomes(read_iso2709(io.BytesIO(raw), force_utf8=True))

        assert read == [(1, "S1"), (2, "S2"), (3, "S3")]

    def test_a_wrong_leader_costs_only_its_record(self):
        records = read_iso2709(io.BytesIO(sample_bytes("bad_wrong_leader.mrc")), force_utf8=True)

        assert outcomes(records) == [(1, "B1"), (2, ErrorKind.UNREADABLE), (3, "B3")]

    def test_broken_utf8_in_a_unimarc_record_is_an_encoding_error(self):
        records = read_iso2709(io.BytesIO(sample_bytes("bad_broken_utf8.mrc")), force_utf8=True)

        assert outcomes(records) == [(1, "B1"), (2, ErrorKind.ENCODING), (3, "B3")]

    def test_a_marc8_record_decodes_to_the_same_text_as_its_utf8_twin(self):
        [(_number, marc8)] = read_iso2709(
            io.BytesIO(sample_bytes("real_pymarc_marc21_marc8.mrc")), force_utf8=False
        )
        twin = pymarc.Record(data=sample_bytes("real_pymarc_marc21_utf8.mrc"))

        def nfc(record):
            return [unicodedata.normalize("NFC", field.value()) for field in record.fields]

        assert nfc(marc8) == nfc(twin)
        assert "De la solitude à la communauté. English." in nfc(marc8)


class TestDecodeIso2709:
    def test_a_leader_announcing_more_bytes_than_the_record_has_is_truncated(self):
        record = sample_bytes("unimarc_995.mrc").split(b"\x1d")[0] + b"\x1d"
        announced = b"%05d" % (len(record) + 100) + record[5:]

        with pytest.raises(Rejected) as error:
            decode_iso2709(announced, force_utf8=True)

        assert error.value.kind == ErrorKind.TRUNCATED

    def test_a_damaged_directory_is_unreadable_not_a_crash(self):
        record = sample_bytes("unimarc_995.mrc").split(b"\x1d")[0] + b"\x1d"
        # The first directory entry's field length is not a number.
        damaged = record[:27] + b"XXXX" + record[31:]

        with pytest.raises(Rejected) as error:
            decode_iso2709(damaged, force_utf8=True)

        assert error.value.kind == ErrorKind.UNREADABLE


class TestReadMarcxml:
    def test_marc21_slim_records_are_read_in_order(self):
        records = list(read_marcxml(io.BytesIO(sample_bytes("marc21_slim.xml"))))

        assert outcomes(records) == [(1, "ocm0101"), (2, "ocm0102"), (3, "ocm0103")]
        assert records[0][1]["952"]["p"] == "K0101-1"

    def test_unimarc_without_namespace_is_read(self):
        records = list(read_marcxml(io.BytesIO(sample_bytes("unimarc_no_namespace.xml"))))

        assert [item["001"].data for _n, item in records] == ["U0001", "U0002", "U0003", "U0004"]
        assert records[1][1].leader[6] == "j"
        assert len(records[0][1].get_fields("995")) == 3

    def test_a_control_character_reference_costs_nothing_even_across_blocks(self, monkeypatch):
        """XML 1.0 forbids "&#x1;"; some exports write it in a title. It is dropped."""
        content = marcxml_of(3).replace(b"Titre num\xc3\xa9ro 2", b"Titre&#x1; num\xc3\xa9ro&#1; 2")
        cut = content.index(b"&#x1;") + 3
        monkeypatch.setattr(marc, "READ_BLOCK", cut)  # the first block ends inside "&#x1;"

        records = list(read_marcxml(io.BytesIO(content)))

        assert [item["001"].data for _n, item in records] == ["00001", "00002", "00003"]
        assert records[1][1]["245"]["a"].startswith("Titre numéro 2 ")

    def test_an_xml_bomb_is_refused_before_any_record(self):
        read = []

        with pytest.raises(FileRejected) as error:
            for item in read_marcxml(io.BytesIO(sample_bytes("bad_xml_bomb.xml"))):
                read.append(item)

        assert read == []
        assert error.value.kind == ErrorKind.XML
        assert "entities" in error.value.detail

    def test_broken_xml_yields_the_records_before_the_break_then_reports_it(self):
        read = []

        with pytest.raises(FileRejected) as error:
            for item in read_marcxml(io.BytesIO(sample_bytes("bad_xml_broken_midway.xml"))):
                read.append(item)

        assert [(n, item["999"]["c"]) for n, item in read] == [(1, "401")]
        assert "after record 1" in error.value.detail
        assert "mismatched tag" in error.value.detail

    def test_a_40000_character_field_rejects_its_record_only(self):
        records = list(read_marcxml(io.BytesIO(sample_bytes("bad_long_field.xml"))))

        assert [n for n, _item in records] == [1, 2, 3]
        assert isinstance(records[1][1], Rejected)
        assert records[1][1].kind == ErrorKind.TOO_LONG
        assert records[2][1]["999"]["c"] == "203"

    def test_a_file_larger_than_a_block_is_streamed_whole(self, monkeypatch):
        monkeypatch.setattr(marc, "READ_BLOCK", 512)

        records = list(read_marcxml(io.BytesIO(marcxml_of(300))))

        assert [n for n, _item in records] == list(range(1, 301))
        assert records[-1][1]["001"].data == "00300"

    def test_xml_breaking_after_many_blocks_keeps_every_record_before_the_break(self, monkeypatch):
        monkeypatch.setattr(marc, "READ_BLOCK", 512)
        broken = marcxml_of(50).replace(b"</collection>", b"<record><leader>")[:-3]

        read = []
        with pytest.raises(FileRejected) as error:
            for item in read_marcxml(io.BytesIO(broken)):
                read.append(item)

        assert len(read) == 50
        assert "after record 50" in error.value.detail

    def test_a_record_with_a_bad_leader_or_tag_is_rejected_and_the_next_read(self):
        xml = (
            b"<collection>"
            b"<record><leader>not a leader</leader>"
            b'<controlfield tag="001">1</controlfield></record>'
            b"<record><leader>     nam0 22     i  4500</leader>"
            b'<controlfield tag="01">2</controlfield></record>'
            b"<record><leader>     nam0 22     i  4500</leader>"
            b'<controlfield tag="001">3</controlfield></record>'
            b"</collection>"
        )

        assert outcomes(read_marcxml(io.BytesIO(xml))) == [
            (1, ErrorKind.UNREADABLE),
            (2, ErrorKind.UNREADABLE),
            (3, "3"),
        ]
