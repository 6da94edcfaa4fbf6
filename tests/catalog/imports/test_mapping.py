"""Mapping UNIMARC and MARC 21 records to the catalogue's records and their copies."""

import io

import pymarc
import pytest

from catalog.imports.mapping import map_marc21, map_unimarc
from catalog.imports.marc import read_iso2709
from catalog.imports.records import ErrorKind, Rejected
from tests.catalog.imports.samples import sample_bytes


def records_of(name: str, mapper, *, force_utf8: bool) -> dict:
    """The sample's records, mapped, by identifier."""
    mapped = (
        mapper(item)
        for _n, item in read_iso2709(io.BytesIO(sample_bytes(name)), force_utf8=force_utf8)
    )
    return {record.identifier: record for record in mapped}


def copies_of(record) -> list[tuple[str, str, str, bool]]:
    return [(c.barcode, c.branch_code, c.call_number, c.on_shelf) for c in record.copies]


def with_leader(leader: str, *fields: pymarc.Field) -> pymarc.Record:
    record = pymarc.Record(leader=leader)
    record.add_field(pymarc.Field(tag="001", data="X1"), *fields)
    return record


def title_field(tag: str, title: str) -> pymarc.Field:
    return pymarc.Field(
        tag=tag, indicators=pymarc.Indicators("1", " "), subfields=[pymarc.Subfield("a", title)]
    )


class TestUnimarc:
    @pytest.fixture(scope="class")
    def records(self):
        return records_of("unimarc_995.mrc", map_unimarc, force_utf8=True)

    def test_the_book_is_mapped_field_by_field(self, records):
        book = records["U0001"]

        assert book.title == "Le petit prince : avec des aquarelles de l'auteur"
        assert book.document_type == "book"
        assert book.creators == "Saint-Exupéry, Antoine de; Dupont, Jeanne"
        assert book.publisher == "Gallimard"
        assert book.year == 1999
        assert book.language == "fre"
        assert book.isbn == "9782070612758"
        assert book.subjects == "Contes philosophiques -- France -- 20e siècle"
        assert book.summary == "Un aviateur rencontre dans le désert un petit prince."

    def test_995_copies_carry_barcode_branch_call_number_and_shelf_state(self, records):
        assert copies_of(records["U0001"]) == [
            ("U0001-1", "HAVEL", "R SAI", True),
            ("U0001-2", "CABANIS", "R SAI", True),
            ("U0001-3", "HAVEL", "R SAI", False),  # $n: due back on a date, so on loan
        ]
        assert copies_of(records["U0002"])[1] == ("U0002-2", "cabanis", "JAZ DAV", False)  # $2 lost
        assert copies_of(records["U0003"]) == [("U0003-1", "CABANIS", "F MIY", False)]  # $o

    def test_a_cd_has_its_ean_and_language(self, records):
        cd = records["U0002"]

        assert cd.document_type == "cd"
        assert cd.ean == "5099750442227"
        assert cd.language == "eng"
        assert cd.year == 1959

    def test_a_dvd_takes_publisher_and_year_from_214(self, records):
        dvd = records["U0003"]

        assert dvd.document_type == "dvd"
        assert (dvd.publisher, dvd.year) == ("Buena Vista", 2002)

    def test_a_periodical_is_known_by_its_bibliographic_level(self, records):
        periodical = records["U0004"]

        assert periodical.document_type == "periodical"
        assert periodical.year == 1829  # from coded data 100, with no 210

    def test_the_owner_branch_stands_in_for_a_missing_holding_branch(self):
        record = with_leader(
            "     nam0 22     i  4500",
            title_field("200", "Titre"),
            pymarc.Field(
                tag="995",
                indicators=pymarc.Indicators(" ", " "),
                subfields=[
                    pymarc.Subfield("f", "B-1"),
                    pymarc.Subfield("b", "OWNER"),
                ],
            ),
        )

        assert copies_of(map_unimarc(record)) == [("B-1", "OWNER", "", True)]

    def test_the_identifier_falls_back_on_090(self):
        record = pymarc.Record(leader="     nam0 22     i  4500")
        record.add_field(
            pymarc.Field(
                tag="090",
                indicators=pymarc.Indicators(" ", " "),
                subfields=[pymarc.Subfield("a", "4242")],
            ),
            title_field("200", "Titre"),
        )

        assert map_unimarc(record).identifier == "4242"

    def test_a_record_without_200_is_rejected_for_its_title(self):
        with pytest.raises(Rejected) as error:
            map_unimarc(with_leader("     nam0 22     i  4500"))

        assert error.value.kind == ErrorKind.NO_TITLE

    def test_the_non_sorting_article_of_a_real_iccu_record_is_kept_without_its_marks(self):
        [record] = records_of("real_pymarc_unimarc_iccu.mrc", map_unimarc, force_utf8=True).values()

        assert record.title.startswith("L'altra faccia della spirale")
        assert (record.year, record.language, record.isbn) == (1996, "ita", "8804406828")
        assert record.creators.startswith("Asimov, Isaac")


class TestMarc21:
    @pytest.fixture(scope="class")
    def records(self):
        return records_of("koha_marc21_952.mrc", map_marc21, force_utf8=False)

    def test_koha_biblionumber_in_999_c_is_the_identifier(self, records):
        assert sorted(records) == ["101", "102", "103"]

    def test_the_book_is_mapped_field_by_field(self, records):
        book = records["101"]

        assert book.title == "Dune"
        assert book.document_type == "book"
        assert book.creators == "Herbert, Frank; Guy, Michel"
        assert book.publisher == "Pocket"
        assert book.year == 2012
        assert book.language == "fre"
        assert book.isbn == "9782266233200"
        assert book.subjects == "Science-fiction -- Romans"
        assert book.summary == "Sur Arrakis, la planète des sables, l'épice est reine."

    def test_952_copies_carry_barcode_branch_call_number_and_shelf_state(self, records):
        assert copies_of(records["101"]) == [
            ("K0101-1", "HAV", "SF HER", True),
            ("K0101-2", "CAB", "SF HER", True),  # home branch ($a) when no holding branch
            ("K0101-3", "CAB", "SF HER", False),  # damaged ($4), held at $b
        ]
        assert copies_of(records["102"])[1] == ("K0102-2", "HAV", "CHA STR", False)  # $q due
        assert copies_of(records["103"]) == [("K0103-1", "CAB", "F DEL", False)]  # $7

    def test_a_cd_has_its_ean_from_024_with_first_indicator_3(self, records):
        cd = records["102"]

        assert (cd.document_type, cd.ean, cd.publisher, cd.year) == (
            "cd",
            "0602547202963",
            "Mosaert",
            2015,
        )

    def test_a_dvd_is_known_by_its_leader(self, records):
        assert records["103"].document_type == "dvd"

    def test_sirsidynix_s_999_holds_a_copy_and_the_001_stays_the_identifier(self):
        """SirsiDynix writes one 999 per copy, whose $c is the copy number ("1")."""

        def sirsidynix(control_number: str, barcode: str) -> pymarc.Record:
            record = pymarc.Record(leader="00000cam a2200000 a 4500")
            record.add_field(
                pymarc.Field(tag="001", data=control_number),
                title_field("245", f"Title {control_number}"),
                pymarc.Field(
                    tag="999",
                    indicators=pymarc.Indicators(" ", " "),
                    subfields=[
                        pymarc.Subfield(code, value)
                        for code, value in (
                            ("a", "QA76.73 .P98"), ("w", "LC"), ("c", "1"), ("i", barcode),
                            ("d", "8/12/2008"), ("l", "STACKS"), ("m", "MAIN"), ("t", "BOOK"),
                        )
                    ],
                ),
            )  # fmt: skip
            return record

        mapped = [map_marc21(sirsidynix(f"a{n}", f"3100{n}")) for n in range(1001, 1012)]

        assert [record.identifier for record in mapped] == [f"a{n}" for n in range(1001, 1012)]

    def test_without_999_the_001_is_the_identifier(self):
        [record] = records_of("real_pymarc_marc21_marc8.mrc", map_marc21, force_utf8=False).values()

        assert record.identifier == "2"
        assert record.title == "Escape from loneliness"
        assert (record.year, record.language) == (1962, "eng")

    @pytest.mark.parametrize(
        ("type_and_level", "expected"),
        [
            ("am", "book"),
            ("as", "periodical"),
            ("jm", "cd"),
            ("gm", "dvd"),
            ("im", "audiobook"),
            ("cm", "score"),
            ("em", "map"),
            ("mm", "multimedia"),
            ("km", "other"),
        ],
    )
    def test_the_document_type_comes_from_leader_06_and_07(self, type_and_level, expected):
        record = with_leader(f"     n{type_and_level} a22     7a 4500", title_field("245", "Titre"))

        assert map_marc21(record).document_type == expected

    def test_the_008_language_gives_way_to_041_when_blank(self):
        record = with_leader(
            "     nam a22     7a 4500",
            pymarc.Field(tag="008", data="120315s2012    fr            000 1     d"),
            pymarc.Field(
                tag="041",
                indicators=pymarc.Indicators(" ", " "),
                subfields=[pymarc.Subfield("a", "FRE")],
            ),
            title_field("245", "Titre"),
        )

        assert map_marc21(record).language == "fre"


def datafield(tag: str, *pairs: str, indicators=("1", " ")) -> pymarc.Field:
    codes = pairs[0::2]
    values = pairs[1::2]
    return pymarc.Field(
        tag=tag,
        indicators=pymarc.Indicators(*indicators),
        subfields=[pymarc.Subfield(code, value) for code, value in zip(codes, values, strict=True)],
    )


class TestTitlesNamesAndYears:
    """ISBD punctuation between parts kept, initials kept, the coded year preferred."""

    def marc21(self, *fields: pymarc.Field, fixed: str = "") -> pymarc.Record:
        record = pymarc.Record(leader="00000cam a2200000 a 4500")
        record.add_field(pymarc.Field(tag="001", data="M1"), *fields)
        if fixed:
            record.add_field(pymarc.Field(tag="008", data=fixed))
        return record

    @pytest.mark.parametrize(
        ("subfields", "expected"),
        [
            (
                ("a", "Macroeconomics :", "b", "a European text /"),
                "Macroeconomics : a European text",
            ),
            (("a", "Dune", "b", "roman"), "Dune : roman"),
            (("a", "Hamlet =", "b", "Amleto"), "Hamlet = Amleto"),
            (
                ("a", "Le Seigneur des anneaux.", "n", "1,", "p", "La communauté de l'anneau"),
                "Le Seigneur des anneaux. 1, La communauté de l'anneau",
            ),
        ],
    )
    def test_a_marc21_title_keeps_the_separator_between_its_parts(self, subfields, expected):
        record = self.marc21(datafield("245", *subfields))

        assert map_marc21(record).title == expected

    def test_a_unimarc_other_title_loses_its_leading_punctuation(self):
        record = with_leader(
            "     nam0 22     i 4500", datafield("200", "a", "Mémoires", "e", ", 1465-1927")
        )

        assert map_unimarc(record).title == "Mémoires : 1465-1927"

    def test_initials_keep_their_full_stop(self):
        record = self.marc21(
            datafield("100", "a", "Rowling, J. K."),
            datafield("245", "a", "Harry Potter à l'école des sorciers /"),
        )

        assert map_marc21(record).creators == "Rowling, J. K."

    def test_the_coded_year_wins_over_a_number_in_a_note(self):
        record = self.marc21(
            datafield("245", "a", "Shahnameh"),
            datafield("260", "a", "Téhéran :", "b", "Éditions X,", "c", "1376 [1997]"),
            fixed="970101s1997    ir            000 0 per d",
        )

        assert map_marc21(record).year == 1997

    def test_a_repeated_date_subfield_is_read_to_the_first_year(self):
        record = with_leader(
            "     nam0 22     i 4500",
            datafield("200", "a", "Revue"),
            datafield("210", "a", "Paris", "d", "", "d", "1976-"),
        )

        assert map_unimarc(record).year == 1976
