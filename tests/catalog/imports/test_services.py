"""Importing a catalogue file end to end, on the database: what goes in, what is kept."""

import datetime

import pytest
from django.utils import timezone, translation
from pymarc import Field, Indicators, Subfield

from catalog.imports import csv_file
from catalog.imports.formats import NotACatalogueFile
from catalog.imports.records import ErrorKind
from catalog.models import CatalogImport, DocumentType, Item, Record
from catalog.services import import_catalogue_file
from tests.catalog.catalogue_files import unimarc_bytes, unimarc_record
from tests.catalog.imports.samples import error_numbers, run_import, sample
from tests.factories import ItemFactory, LoanFactory, ReservationLineFactory

pytestmark = pytest.mark.django_db

HEADER = "record_id;title;document_type;barcode;branch;call_number;status"


def csv(*rows: str) -> bytes:
    """A catalogue CSV from rows written as 'record_id;title;type;barcode;branch;call;status'."""
    return ("\n".join([HEADER, *rows]) + "\n").encode()


ONE_EXPORT = csv(
    "1;Dune;book;B1;HAVEL;SF HER;",
    "1;Dune;book;B2;CABANIS;SF HER;",
    "2;Salammbô;book;B3;HAVEL;R FLA;",
    "3;Kind of blue;cd;B4;CABANIS;JAZ;",
    "4;Racine carrée;cd;B5;HAVEL;CHA;",
)


def copies() -> dict[str, tuple[str, str, str, str]]:
    """Every copy: barcode -> (record identifier, branch code, call number, status)."""
    return {
        item.barcode: (item.record.identifier, item.branch.code, item.call_number, item.status)
        for item in Item.objects.select_related("record", "branch")
    }


def counts(report) -> dict[str, int]:
    return {
        name: getattr(report, name)
        for name in (
            "records_read",
            "records_created",
            "records_updated",
            "records_unchanged",
            "copies_created",
            "copies_moved",
            "copies_updated",
            "copies_unchanged",
            "copies_withdrawn",
        )
    }


def table_sizes() -> tuple[int, int, int]:
    return Record.objects.count(), Item.objects.count(), DocumentType.objects.count()


class TestFirstImport:
    def test_a_unimarc_export_creates_its_records_and_copies(self, branches):
        havel, cabanis = branches

        report = run_import("unimarc_995.mrc")

        assert counts(report) == {
            "records_read": 4,
            "records_created": 4,
            "records_updated": 0,
            "records_unchanged": 0,
            "copies_created": 7,
            "copies_moved": 0,
            "copies_updated": 0,
            "copies_unchanged": 0,
            "copies_withdrawn": 0,
        }
        assert report.errors == {}
        assert copies() == {
            "U0001-1": ("U0001", "havel", "R SAI", "available"),
            "U0001-2": ("U0001", "cabanis", "R SAI", "available"),
            "U0001-3": ("U0001", "havel", "R SAI", "unavailable"),
            "U0002-1": ("U0002", "havel", "JAZ DAV", "available"),
            "U0002-2": ("U0002", "cabanis", "JAZ DAV", "unavailable"),
            "U0003-1": ("U0003", "cabanis", "F MIY", "unavailable"),
            "U0004-1": ("U0004", "havel", "PER REV", "available"),
        }
        book = Record.objects.get(identifier="U0001")
        assert (book.title, book.isbn, book.year, book.document_type.code) == (
            "Le petit prince : avec des aquarelles de l'auteur",
            "9782070612758",
            1999,
            "book",
        )
        assert sorted(report.document_types_created) == ["book", "cd", "dvd", "periodical"]
        assert DocumentType.objects.get(code="dvd").name_fr == "DVD"

    def test_a_koha_export_resolves_its_branch_codes_through_the_admin_codes(self, branches):
        report = run_import("koha_marc21_952.mrc")

        assert (report.records_created, report.copies_created) == (3, 6)
        assert copies()["K0101-2"] == ("101", "cabanis", "SF HER", "available")
        assert copies()["K0101-3"] == ("101", "cabanis", "SF HER", "unavailable")
        assert copies()["K0102-2"][3] == "unavailable"

    @pytest.mark.parametrize(
        "name", ["marc21_slim.xml", "unimarc_no_namespace.xml", "catalogue_comma.csv"]
    )
    def test_every_format_goes_in(self, branches, name):
        report = run_import(name)

        assert report.records_created >= 3
        assert report.copies_created >= 3
        assert report.records_rejected == 0

    def test_the_same_file_in_marcxml_and_iso2709_gives_the_same_catalogue(self, branches):
        run_import("koha_marc21_952.mrc")
        before = copies()

        report = run_import("marc21_slim.xml")

        assert (report.records_unchanged, report.copies_unchanged) == (3, 6)
        assert copies() == before


class TestImportingAgain:
    def test_importing_the_same_file_again_changes_nothing(self, branches, clock_later):
        run_import("unimarc_995.mrc")
        stamps = dict(Record.objects.values_list("identifier", "updated_at"))
        status_stamps = dict(Item.objects.values_list("barcode", "status_changed_at"))
        clock_later()

        report = run_import("unimarc_995.mrc")

        assert counts(report) == {
            "records_read": 4,
            "records_created": 0,
            "records_updated": 0,
            "records_unchanged": 4,
            "copies_created": 0,
            "copies_moved": 0,
            "copies_updated": 0,
            "copies_unchanged": 7,
            "copies_withdrawn": 0,
        }
        assert report.document_types_created == []
        assert dict(Record.objects.values_list("identifier", "updated_at")) == stamps
        assert dict(Item.objects.values_list("barcode", "status_changed_at")) == status_stamps

    def test_a_changed_record_is_updated_and_only_it(self, branches, clock_later):
        run_import(ONE_EXPORT)
        salammbo_stamp = Record.objects.get(identifier="2").updated_at
        clock_later()

        report = run_import(ONE_EXPORT.replace(b"1;Dune;", b"1;Dune (nouvelle traduction);"))

        assert (report.records_updated, report.records_unchanged) == (1, 3)
        assert Record.objects.get(identifier="1").title == "Dune (nouvelle traduction)"
        assert Record.objects.get(identifier="2").updated_at == salammbo_stamp

    def test_a_copy_that_moved_branch_moves(self, branches):
        run_import(ONE_EXPORT)

        report = run_import(ONE_EXPORT.replace(b"B3;HAVEL", b"B3;CABANIS"))

        assert (report.copies_moved, report.copies_unchanged) == (1, 4)
        assert copies()["B3"] == ("2", "cabanis", "R FLA", "available")

    def test_a_copy_going_off_the_shelf_changes_status_and_its_date(self, branches, clock_later):
        run_import(ONE_EXPORT)
        clock_later()

        report = run_import(ONE_EXPORT.replace(b"B4;CABANIS;JAZ;", b"B4;CABANIS;JAZ;perdu"))

        assert report.copies_updated == 1
        item = Item.objects.get(barcode="B4")
        assert item.status == Item.Status.UNAVAILABLE
        assert item.status_changed_at > Item.objects.get(barcode="B5").status_changed_at

    def test_a_copy_moved_to_another_record_follows_it(self, branches):
        run_import(ONE_EXPORT)

        run_import(ONE_EXPORT.replace(b"2;Salammb\xc3\xb4;book;B3", b"1;Dune;book;B3"))

        assert copies()["B3"][0] == "1"

    def test_a_copy_in_quarantine_stays_there_when_the_export_says_it_is_on_the_shelf(
        self, branches
    ):
        run_import(ONE_EXPORT)
        Item.objects.filter(barcode="B1").update(status=Item.Status.QUARANTINE)

        report = run_import(ONE_EXPORT)

        assert Item.objects.get(barcode="B1").status == Item.Status.QUARANTINE
        assert report.copies_unchanged == 5


class TestCopiesOfTheClickAndCollectLifecycle:
    def test_a_held_copy_the_export_moves_stays_where_the_order_expects_it(self, branches):
        havel, cabanis = branches
        line = ReservationLineFactory(reservation__branch=havel, item__barcode="B1")
        record_before = line.item.record_id

        report = run_import(ONE_EXPORT.replace(b"B1;HAVEL", b"B1;CABANIS"))

        line.item.refresh_from_db()
        assert (line.item.branch, line.item.status) == (havel, Item.Status.HELD)
        assert line.item.record_id == record_before
        assert report.kept_barcodes == ["B1"]
        assert report.copies_kept_for_orders == 1
        assert report.copies_moved == 0

    def test_the_export_never_changes_the_status_of_a_copy_on_loan(self, branches):
        havel, _cabanis = branches
        loan = LoanFactory(item__barcode="B3", item__branch=havel)

        run_import(ONE_EXPORT.replace(b"B3;HAVEL;R FLA;", b"B3;HAVEL;R FLA;disponible"))

        loan.item.refresh_from_db()
        assert loan.item.status == Item.Status.ON_LOAN


class TestFullExport:
    def test_copies_the_full_export_no_longer_lists_are_marked_unavailable(self, branches):
        run_import(ONE_EXPORT)

        report = run_import(csv(*ONE_EXPORT.decode().splitlines()[1:5]), full_export=True)

        assert report.copies_withdrawn == 1
        assert report.withdrawal_skipped == ""
        assert copies()["B5"][3] == Item.Status.UNAVAILABLE
        assert copies()["B1"][3] == Item.Status.AVAILABLE

    def test_copies_listed_on_records_the_import_skips_are_not_withdrawn(self, branches):
        run_import(ONE_EXPORT)

        # Record 2 lost its title, record 3 names an unknown type, record 4 is
        # listed twice: all are skipped, but the export still lists their copies.
        report = run_import(
            csv(
                "1;Dune;book;B1;HAVEL;SF HER;",
                "1;Dune;book;B2;CABANIS;SF HER;",
                "2;;book;B3;HAVEL;R FLA;",
                "3;Kind of blue;vinyl;B4;CABANIS;JAZ;",
                "4;Racine carrée;cd;B5;HAVEL;CHA;",
                "5;Autre;book;B6;HAVEL;R AUT;",
                "4;Racine carrée;cd;B7;HAVEL;CHA;",
            ),
            full_export=True,
            max_withdrawal_share=1,
        )

        assert report.errors[ErrorKind.NO_TITLE].count == 1
        assert report.errors[ErrorKind.UNKNOWN_TYPE].count == 1
        assert report.errors[ErrorKind.DUPLICATE_RECORD].count == 1
        assert report.copies_withdrawn == 0
        assert report.withdrawal_skipped == ""
        assert {barcode: row[3] for barcode, row in copies().items()} == dict.fromkeys(
            ("B1", "B2", "B3", "B4", "B5", "B6"), Item.Status.AVAILABLE
        )

    def test_a_held_or_lent_copy_missing_from_the_export_is_kept_and_reported(self, branches):
        havel, _cabanis = branches
        run_import(ONE_EXPORT)
        held = ReservationLineFactory(reservation__branch=havel, item__barcode="HELD-1").item
        lent = LoanFactory(item__barcode="LENT-1", item__branch=havel).item

        report = run_import(ONE_EXPORT, full_export=True, max_withdrawal_share=0.5)

        assert report.copies_withdrawn == 0
        assert sorted(report.kept_barcodes) == ["HELD-1", "LENT-1"]
        held.refresh_from_db()
        lent.refresh_from_db()
        assert (held.status, lent.status) == (Item.Status.HELD, Item.Status.ON_LOAN)

    def test_a_full_export_missing_too_many_copies_withdraws_nothing_and_says_why(self, branches):
        run_import(ONE_EXPORT)

        with translation.override("en"):
            report = run_import(csv("1;Dune;book;B1;HAVEL;SF HER;"), full_export=True)

        assert report.copies_withdrawn == 0
        assert "4 of the 5 copies" in report.withdrawal_skipped
        assert "20%" in report.withdrawal_skipped
        assert Item.objects.filter(status=Item.Status.UNAVAILABLE).count() == 0

    def test_a_larger_share_can_be_allowed(self, branches):
        run_import(ONE_EXPORT)

        report = run_import(
            csv("1;Dune;book;B1;HAVEL;SF HER;"), full_export=True, max_withdrawal_share=0.9
        )

        assert report.copies_withdrawn == 4
        assert Item.objects.filter(status=Item.Status.UNAVAILABLE).count() == 4

    def test_a_file_that_stopped_midway_withdraws_nothing(self, branches):
        ItemFactory(barcode="OLD-1", branch=branches[0])

        report = run_import("bad_xml_broken_midway.xml", full_export=True)

        assert report.stopped
        assert report.withdrawal_skipped
        assert Item.objects.get(barcode="OLD-1").status == Item.Status.AVAILABLE

    def test_an_iso2709_file_that_ends_mid_record_withdraws_nothing(self, branches):
        """A transfer cut short: the records after the cut are missing, not withdrawn."""
        books = [(f"T{n:04}", f"Livre {n}", [(f"T{n:04}-1", "R")]) for n in range(1, 6)]
        run_import(unimarc_bytes("HAVEL", books))
        whole = unimarc_bytes("HAVEL", books[:3])
        cut = whole + unimarc_bytes("HAVEL", books[3:4])[:40]  # record 4 cut, 5 absent

        with translation.override("en"):
            report = run_import(cut, full_export=True, max_withdrawal_share=1)

        assert "ends in the middle of record 4" in report.stopped
        assert report.withdrawal_skipped
        assert report.copies_withdrawn == 0
        assert report.errors[ErrorKind.TRUNCATED].count == 1
        assert set(copies()) == {f"T{n:04}-1" for n in range(1, 6)}
        assert {row[3] for row in copies().values()} == {Item.Status.AVAILABLE}

    def test_a_dry_run_full_export_counts_the_withdrawals_without_making_them(self, branches):
        run_import(ONE_EXPORT)

        report = run_import(
            csv(*ONE_EXPORT.decode().splitlines()[1:5]), full_export=True, dry_run=True
        )

        assert report.copies_withdrawn == 1
        assert copies()["B5"][3] == Item.Status.AVAILABLE


class TestBranchCodes:
    def test_unknown_branch_codes_are_counted_and_their_copies_skipped(self, branches):
        report = run_import(
            ONE_EXPORT.replace(b"B2;CABANIS", b"B2;NOWHERE")
            .replace(b"B4;CABANIS", b"B4;")
            .replace(b"B5;HAVEL", b"B5;nowhere")
        )

        # Codes are matched whatever their case: so are they counted.
        assert report.unknown_branches == {"NOWHERE": 2, "-": 1}
        assert report.copies_skipped_unknown_branch == 3
        assert set(copies()) == {"B1", "B3"}
        assert Record.objects.filter(identifier="3").exists()  # the record goes in

    def test_a_branch_map_resolves_the_library_system_codes(self, branches):
        report = run_import(
            ONE_EXPORT.replace(b"HAVEL", b"S01").replace(b"CABANIS", b"S02"),
            branch_map={"S01": "havel", "s02": "CABANIS"},
        )

        assert report.unknown_branches == {}
        assert copies()["B1"][1] == "havel"
        assert copies()["B2"][1] == "cabanis"


class TestDryRun:
    @pytest.mark.parametrize(
        "name", ["unimarc_995.mrc", "koha_marc21_952.mrc", "bad_duplicate_barcode.mrc"]
    )
    def test_a_dry_run_writes_nothing_and_reports_what_the_real_run_does(self, branches, name):
        before = table_sizes()

        dry = run_import(name, dry_run=True)

        assert table_sizes() == before
        real = run_import(name)
        assert counts(dry) == counts(real)
        assert dry.errors == real.errors
        assert dry.document_types_created == real.document_types_created

    def test_a_dry_run_after_a_change_counts_the_change_without_making_it(self, branches):
        run_import(ONE_EXPORT)
        changed = ONE_EXPORT.replace(b"B3;HAVEL", b"B3;CABANIS").replace(b"1;Dune;", b"1;Dune 2;")

        dry = run_import(changed, dry_run=True)

        assert (dry.records_updated, dry.copies_moved) == (1, 1)
        assert copies()["B3"][1] == "havel"
        assert Record.objects.get(identifier="1").title == "Dune"


class TestBadInput:
    @pytest.mark.parametrize(
        ("name", "kind", "number", "imported"),
        [
            ("bad_truncated_middle.mrc", ErrorKind.TRUNCATED, 2, {"B1", "B3"}),
            ("bad_truncated_end.mrc", ErrorKind.TRUNCATED, 3, {"B1", "B3"}),
            ("bad_wrong_leader.mrc", ErrorKind.UNREADABLE, 2, {"B1", "B3"}),
            ("bad_broken_utf8.mrc", ErrorKind.ENCODING, 2, {"B1", "B3"}),
            ("bad_no_title.mrc", ErrorKind.NO_TITLE, 2, {"T1", "T3"}),
            ("bad_long_field.xml", ErrorKind.TOO_LONG, 2, {"201", "203"}),
            ("bad_long_field.csv", ErrorKind.TOO_LONG, 2, {"L1", "L3"}),
        ],
    )
    def test_a_bad_record_is_reported_skipped_whole_and_the_rest_goes_in(
        self, branches, name, kind, number, imported
    ):
        report = run_import(name)

        assert set(report.errors) == {kind}
        assert error_numbers(report, kind) == [number]
        assert report.records_rejected == 1
        assert set(Record.objects.values_list("identifier", flat=True)) == imported
        # The rejected record has no copies either.
        assert Item.objects.count() == 2
        assert set(Item.objects.values_list("record__identifier", flat=True)) == imported

    def test_a_duplicate_barcode_skips_the_copy_not_its_record(self, branches):
        havel, cabanis = branches

        report = run_import("bad_duplicate_barcode.mrc")

        assert report.errors[ErrorKind.DUPLICATE_BARCODE].examples == [(2, "D2", "DUP-1")]
        assert report.records_rejected == 0
        assert copies() == {
            "DUP-1": ("D1", "havel", "", "available"),
            "D2-2": ("D2", "cabanis", "", "available"),
        }

    def test_a_duplicate_barcode_across_batches_is_found_too(self, branches):
        report = run_import("bad_duplicate_barcode.mrc", batch_size=1)

        assert report.errors[ErrorKind.DUPLICATE_BARCODE].count == 1
        assert copies()["DUP-1"][0] == "D1"

    @pytest.mark.parametrize("batch_size", [1000, 1])
    def test_a_duplicate_record_id_keeps_the_first_and_reports_the_second(
        self, branches, batch_size
    ):
        report = run_import("bad_duplicate_record.mrc", batch_size=batch_size)

        assert report.errors[ErrorKind.DUPLICATE_RECORD].examples == [(2, "R1", "")]
        assert Record.objects.get(identifier="R1").title == "La première version"
        assert set(copies()) == {"R1-1", "R2-1"}

    def test_an_xml_bomb_is_refused_and_nothing_is_written(self, branches):
        report = run_import("bad_xml_bomb.xml")

        assert report.records_read == 0
        assert "entities" in report.stopped
        assert Record.objects.count() == 0

    def test_xml_broken_midway_keeps_the_records_before_the_break(self, branches):
        report = run_import("bad_xml_broken_midway.xml")

        assert "after record 1" in report.stopped
        assert list(Record.objects.values_list("identifier", flat=True)) == ["401"]
        assert list(Item.objects.values_list("barcode", flat=True)) == ["M1-1"]

    def test_a_marc8_record_goes_in_with_its_text_decoded(self, branches):
        report = run_import("real_pymarc_marc21_marc8.mrc")

        assert report.records_created == 1
        assert Record.objects.get(identifier="2").title == "Escape from loneliness"

    def test_a_csv_naming_an_unknown_document_type_skips_that_record(self, branches):
        report = run_import(csv("1;Dune;book;B1;HAVEL;;", "2;Jeu;boardgame;B2;HAVEL;;"))

        assert error_numbers(report, ErrorKind.UNKNOWN_TYPE) == [2]
        assert not DocumentType.objects.filter(code="boardgame").exists()
        assert set(copies()) == {"B1"}

    def test_a_record_the_database_refuses_costs_only_itself(self, branches, monkeypatch):
        # The checks let no such year through: force one the database's constraint refuses.
        original = csv_file.parse_year
        monkeypatch.setattr(csv_file, "parse_year", lambda v: 3000 if v == "3000" else original(v))

        report = run_import(
            b"record_id;title;year;barcode;branch\n"
            b"1;Dune;2012;B1;HAVEL\n2;Futur;3000;B2;HAVEL\n3;Salammbo;1862;B3;HAVEL\n"
        )

        assert error_numbers(report, ErrorKind.REFUSED) == [2]
        assert set(Record.objects.values_list("identifier", flat=True)) == {"1", "3"}
        assert set(copies()) == {"B1", "B3"}


class TestImportFile:
    def test_a_real_run_is_recorded_with_its_report(self, branches):
        catalog_import, report = import_catalogue_file(path=sample("unimarc_995.mrc"))

        catalog_import.refresh_from_db()
        assert catalog_import.status == CatalogImport.Status.DONE
        assert catalog_import.origin == CatalogImport.Origin.COMMAND
        assert catalog_import.format == "unimarc"
        assert catalog_import.report["records_created"] == 4
        assert catalog_import.bytes_done == catalog_import.bytes_total > 0
        assert catalog_import.percent_done == 100

    def test_a_dry_run_records_nothing(self, branches):
        catalog_import, report = import_catalogue_file(path=sample("unimarc_995.mrc"), dry_run=True)

        assert catalog_import is None
        assert report.records_created == 4
        assert CatalogImport.objects.count() == 0

    def test_a_file_that_is_not_a_catalogue_is_recorded_as_failed(self, branches):
        with pytest.raises(NotACatalogueFile), translation.override("en"):
            import_catalogue_file(path=sample("not_a_catalogue.png"))

        failed = CatalogImport.objects.get()
        assert failed.status == CatalogImport.Status.FAILED
        # Kept as a code, told in the reader's language.
        with translation.override("en"):
            assert failed.error_message.startswith("This file is not a catalogue file")
        with translation.override("fr"):
            assert failed.error_message.startswith("Ce fichier n’est pas un fichier de catalogue")


@pytest.fixture
def clock_later(time_machine):
    """Move the clock an hour on, so that a rewritten row would show a new time."""

    def later():
        time_machine.move_to(timezone.now() + datetime.timedelta(hours=1), tick=False)

    return later


class TestDeletedRecords:
    """A record the library system deleted (leader/05 "d") leaves the shelves."""

    BOOKS = [(f"T{n}", f"Livre {n}", [(f"T{n}-1", "R"), (f"T{n}-2", "R")]) for n in range(1, 4)]

    def deleted(self, identifier: str, *, with_title: bool) -> bytes:
        record = unimarc_record(identifier, f"Livre {identifier}", [], "HAVEL")
        record.leader = record.leader[:5] + "d" + record.leader[6:]
        if not with_title:
            record.remove_fields("200")
        return record.as_marc()

    def test_its_copies_are_marked_unavailable_and_the_report_says_so(self, branches):
        run_import(unimarc_bytes("HAVEL", self.BOOKS))
        held = Item.objects.get(barcode="T2-2")
        ReservationLineFactory(item=held, reservation__branch=held.branch)
        Item.objects.filter(pk=held.pk).update(status=Item.Status.HELD)

        content = (
            unimarc_bytes("HAVEL", self.BOOKS[:1])
            + self.deleted("T2", with_title=True)
            + self.deleted("T9", with_title=False)
        )
        with translation.override("en"):
            report = run_import(content)

        assert (report.records_deleted, report.deletions_not_found) == (1, 1)
        assert report.copies_withdrawn == 1
        assert report.kept_barcodes == ["T2-2"]
        assert copies()["T2-1"][3] == Item.Status.UNAVAILABLE
        assert copies()["T2-2"][3] == Item.Status.HELD
        assert copies()["T1-1"][3] == copies()["T3-1"][3] == Item.Status.AVAILABLE
        assert not Record.objects.filter(identifier="T9").exists()
        assert report.records_rejected == 0
        with translation.override("en"):
            summary = report.summary_lines()
        assert "Records deleted in the library system: taken off the shelves, 1; " in summary[3]

    def test_a_dry_run_counts_them_and_changes_nothing(self, branches):
        run_import(unimarc_bytes("HAVEL", self.BOOKS))

        report = run_import(self.deleted("T3", with_title=False), dry_run=True)

        assert (report.records_deleted, report.copies_withdrawn) == (1, 2)
        assert {row[3] for row in copies().values()} == {Item.Status.AVAILABLE}


class TestCopyStatusCodes:
    """995 $o (and 952 $7) codes differ from one library system to the next."""

    def file_with_codes(self, *codes: str) -> bytes:
        record = unimarc_record("S1", "Livre", [], "HAVEL")
        for number, code in enumerate(codes, 1):
            subfields = [Subfield("f", f"S1-{number}"), Subfield("c", "HAVEL")]
            subfields += [Subfield("o", code)] if code else []
            record.add_field(Field(tag="995", indicators=Indicators(" ", " "), subfields=subfields))
        return record.as_marc()

    def test_by_default_only_0_or_no_code_means_on_the_shelf_and_the_report_counts_each(
        self, branches
    ):
        with translation.override("en"):
            report = run_import(self.file_with_codes("0", "", "L1", "L1", "L4"))

        assert {barcode: row[3] for barcode, row in copies().items()} == {
            "S1-1": Item.Status.AVAILABLE,
            "S1-2": Item.Status.AVAILABLE,
            "S1-3": Item.Status.UNAVAILABLE,
            "S1-4": Item.Status.UNAVAILABLE,
            "S1-5": Item.Status.UNAVAILABLE,
        }
        assert report.status_codes == {"0": 1, "": 1, "L1": 2, "L4": 1}
        with translation.override("en"):
            line = next(line for line in report.summary_lines() if "status code" in line)
        assert "L1: 2 (not on the shelf)" in line
        assert "0: 1 (on the shelf)" in line

    def test_a_network_says_which_codes_mean_on_the_shelf(self, branches, settings):
        settings.CATALOG_IMPORT_ON_SHELF_CODES = ["0", "L1", "L4"]

        run_import(self.file_with_codes("L1", "L4", "L7"))

        assert {barcode: row[3] for barcode, row in copies().items()} == {
            "S1-1": Item.Status.AVAILABLE,
            "S1-2": Item.Status.AVAILABLE,
            "S1-3": Item.Status.UNAVAILABLE,
        }
