"""What an import reports: counts, errors with examples, sentences for a librarian."""

from django.utils import translation

from catalog.imports.records import ErrorKind
from catalog.imports.report import EXAMPLES_PER_KIND, ImportReport


def test_errors_keep_a_few_examples_and_count_them_all():
    report = ImportReport()

    for number in range(1, 51):
        report.add_error(ErrorKind.NO_TITLE, number, f"R{number}")

    assert report.errors[ErrorKind.NO_TITLE].count == 50
    assert len(report.errors[ErrorKind.NO_TITLE].examples) == EXAMPLES_PER_KIND
    assert report.records_rejected == 50


def test_copy_errors_are_not_counted_as_rejected_records():
    report = ImportReport()
    report.add_error(ErrorKind.DUPLICATE_BARCODE, 2, "D2", "DUP-1")
    report.add_error(ErrorKind.BAD_BARCODE, 3, "D3")

    assert report.records_rejected == 0


def test_merging_batches_adds_counts_and_kept_barcodes():
    total, part = ImportReport(), ImportReport(records_created=2, copies_moved=1)
    part.keep_for_order("B1")
    part.unknown_branches["X"] += 2

    total.merge(part)
    total.merge(part)

    assert (total.records_created, total.copies_moved) == (4, 2)
    assert total.kept_barcodes == ["B1", "B1"]
    assert total.copies_kept_for_orders == 2
    assert total.unknown_branches == {"X": 4}


def test_a_report_survives_its_json_round_trip():
    report = ImportReport(format="unimarc", records_created=3)
    report.add_error(ErrorKind.TRUNCATED, 7, "", "cut")
    report.unknown_branches["NOWHERE"] = 2

    again = ImportReport.from_json(report.to_json())

    assert again == report


def test_the_summary_names_each_error_kind_with_its_record_numbers():
    report = ImportReport(records_read=3, records_created=2)
    report.add_error(ErrorKind.NO_TITLE, 2, "T2")
    report.unknown_branches["NOWHERE"] = 1

    with translation.override("en"):
        lines = report.summary_lines()

    assert lines[0] == "Import finished."
    assert lines[1] == "3 records read: 2 new, 0 changed, 0 unchanged, 1 skipped."
    assert "Copies skipped, their branch code is unknown: NOWHERE (1)." in lines
    assert "record without a title: 1 (records #2 T2)." in lines


def test_counts_and_new_document_types_are_written_the_readers_way():
    report = ImportReport(records_read=12345, document_types_created=["score"])

    with translation.override("en"):
        english = "\n".join(report.summary_lines())
    with translation.override("fr"):
        french = "\n".join(report.summary_lines())

    assert "12,345 records read" in english
    assert "New document types: Score." in english
    # French groups thousands with a (non-breaking) space, and names the type in French.
    assert "12\xa0345 notices lues" in french or "12 345 notices lues" in french
    assert "Partition" in french
