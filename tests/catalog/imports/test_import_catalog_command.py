"""``manage.py import_catalog``: what it says, and how it refuses what it cannot import."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from catalog.models import CatalogImport, Item, Record
from tests.catalog.imports.samples import sample

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_catalog", *args, stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


def test_the_command_imports_a_file_and_prints_its_summary(branches):
    output = run(str(sample("unimarc_995.mrc")))

    lines = output.splitlines()
    assert lines[0] == "Import finished."
    assert lines[1] == "4 records read: 4 new, 0 changed, 0 unchanged, 0 skipped."
    assert lines[2] == (
        "Copies: 7 new, 0 moved to another branch, 0 changed, 0 unchanged, 0 marked unavailable."
    )
    assert lines[-1].startswith("4 records in ")
    assert Record.objects.count() == 4
    assert CatalogImport.objects.get().status == CatalogImport.Status.DONE


def test_a_dry_run_says_so_and_writes_nothing(branches):
    output = run(str(sample("koha_marc21_952.mrc")), "--dry-run")

    assert output.splitlines()[0] == "Dry run: nothing was written."
    assert "3 records read: 3 new" in output
    assert (Record.objects.count(), Item.objects.count(), CatalogImport.objects.count()) == (
        0,
        0,
        0,
    )


def test_bad_records_are_listed_with_their_numbers(branches):
    output = run(str(sample("bad_wrong_leader.mrc")))

    assert "unreadable record (wrong leader or directory): 1 (records #2)." in output
    assert "3 records read: 2 new, 0 changed, 0 unchanged, 1 skipped." in output


def test_the_format_can_be_given(branches):
    output = run(str(sample("catalogue_comma.csv")), "--format", "csv", "--batch-size", "1")

    assert "3 records read: 3 new" in output


def test_a_branch_map_file_is_used(tmp_path, branches):
    koha_codes = tmp_path / "map.csv"
    koha_codes.write_text("HAV;cabanis\nCAB;havel\n")

    run(str(sample("koha_marc21_952.mrc")), "--branch-map", str(koha_codes))

    assert Item.objects.get(barcode="K0101-1").branch.code == "cabanis"


def test_a_full_export_with_a_withdrawal_limit(branches):
    run(str(sample("unimarc_995.mrc")))

    output = run(str(sample("bad_no_title.mrc")), "--full", "--max-withdrawal", "10")

    assert "No copy was marked unavailable: 4 of the 9 copies are missing" in output
    assert Item.objects.filter(status=Item.Status.UNAVAILABLE).count() == 3  # as exported


@pytest.mark.parametrize("name", ["not_a_catalogue.png", "not_a_catalogue.txt"])
def test_a_file_that_is_not_a_catalogue_is_refused_clearly(branches, name):
    with pytest.raises(CommandError, match=f"{name} is not a catalogue file: expected UNIMARC"):
        run(str(sample(name)))


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No such file: .*nothing.mrc"):
        run(str(tmp_path / "nothing.mrc"))


def test_a_bad_branch_map_is_refused_before_reading_the_file(tmp_path, branches):
    bad_map = tmp_path / "map.csv"
    bad_map.write_text("HAV;nowhere\n")

    with pytest.raises(CommandError, match="do not exist: nowhere"):
        run(str(sample("koha_marc21_952.mrc")), "--branch-map", str(bad_map))
    assert CatalogImport.objects.count() == 0


def test_a_withdrawal_limit_outside_0_to_100_is_refused(branches):
    with pytest.raises(CommandError, match="percentage"):
        run(str(sample("unimarc_995.mrc")), "--max-withdrawal", "150")


def test_an_unknown_encoding_is_refused(branches):
    with pytest.raises(CommandError, match="klingon"):
        run(str(sample("catalogue_comma.csv")), "--encoding", "klingon")


def test_a_file_broken_midway_is_imported_up_to_the_break_and_fails_the_command(branches):
    """A nightly cron must see it: the command ends in error, after its summary."""
    out = io.StringIO()

    with translation.override("en"), pytest.raises(CommandError, match="read to the end"):
        call_command(
            "import_catalog",
            str(sample("bad_xml_broken_midway.xml")),
            stdout=out,
            stderr=io.StringIO(),
            verbosity=0,
        )

    assert out.getvalue().startswith("Import finished.")
    assert Record.objects.exists()
