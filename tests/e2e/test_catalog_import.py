"""A network admin imports a catalogue file from the admin, in a real browser.

Celery runs eagerly in the live server (no broker configured): the dry run
queued by the upload and the import queued by the confirmation run within
their requests, as a worker would. The page's words are checked through the
report's own sentences in French, not copied here: they are still being
translated. `make screenshots` saves catalog-import.png to docs/screenshots/.
"""

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from catalog.imports.report import ImportReport
from catalog.models import CatalogImport, Item, Record
from tests.catalog.catalogue_files import BOOKS, unimarc_bytes
from tests.e2e.signing_in import log_in_to_the_admin
from tests.factories import BranchFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

URL = "/admin/catalog/catalogimport/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def expect_report(section, data: dict) -> None:
    """Check the report's section lists its sentences, as the French page writes them."""
    with translation.override("fr"):
        lines = ImportReport.from_json(data).summary_lines()
    expect(section.locator("li")).to_have_text(lines)


def test_the_import_journey_from_upload_to_report(
    page, live_server, axe_violations, screenshots_dir
):
    branch = BranchFactory(code="vaclav-havel", name="Médiathèque Václav Havel")
    page.set_viewport_size({"width": 1100, "height": 900})
    log_in_to_the_admin(page, live_server, StaffFactory(groups=["network admin"]))

    # Catalogue › Catalogue imports › Add
    page.locator('#content-main a[href="/admin/catalog/"]').click()
    page.locator(f'#content-main a[href="{URL}"]').first.click()
    page.locator(f'.object-tools a.addlink[href="{URL}add/"]').click()
    page.locator('input[type="file"]').set_input_files(
        files=[
            {
                "name": "export-nuit.mrc",
                "mimeType": "application/octet-stream",
                "buffer": unimarc_bytes("VACLAV-HAVEL"),
            }
        ]
    )
    assert axe_violations(page) == []
    page.locator('input[name="_save"]').click()

    # The dry run has read the file and written nothing.
    catalog_import = CatalogImport.objects.get()
    expect(page).to_have_url(f"{live_server.url}{URL}{catalog_import.pk}/change/")
    catalog_import.refresh_from_db()
    assert catalog_import.status == CatalogImport.Status.CHECKED
    dry_run = page.locator('section[aria-labelledby="check-report-title"]')
    expect(dry_run).to_be_visible()
    expect_report(dry_run, catalog_import.check_report)
    expect(dry_run.locator("li").nth(1)).to_contain_text("2")
    expect(page.locator("progress")).to_have_attribute("value", str(catalog_import.bytes_total))
    expect(page.locator("[data-progress-url]")).to_have_count(0)
    assert not Record.objects.exists()
    assert not Item.objects.exists()
    assert axe_violations(page) == []
    page.screenshot(path=screenshots_dir / "catalog-import.png", full_page=True)

    # Import this file, confirmed on a page that shows the dry run again.
    confirm_url = f"{URL}{catalog_import.pk}/confirm/"
    expect(page.locator(f'a[href="{confirm_url}"]')).to_have_count(2)  # object tools, below
    page.locator(f'#content-main a.button[href="{confirm_url}"]').click()
    expect(page).to_have_url(f"{live_server.url}{confirm_url}")
    expect_report(
        page.locator('section[aria-labelledby="check-report-title"]'), catalog_import.check_report
    )
    assert axe_violations(page) == []
    page.locator('#content-main form input[type="submit"]').click()

    # The import's report; nothing more to import.
    expect(page).to_have_url(f"{live_server.url}{URL}{catalog_import.pk}/change/")
    catalog_import.refresh_from_db()
    assert catalog_import.status == CatalogImport.Status.DONE
    final = page.locator('section[aria-labelledby="import-report-title"]')
    expect(final).to_be_visible()
    expect_report(final, catalog_import.report)
    assert catalog_import.report["records_created"] == 2
    assert catalog_import.report["copies_created"] == 3
    expect(page.locator(f'a[href="{confirm_url}"]')).to_have_count(0)
    expect(page.locator(".messagelist .success")).to_have_count(1)
    assert axe_violations(page) == []
    assert sorted(Record.objects.values_list("identifier", "title")) == [
        (identifier, title) for identifier, title, _copies in BOOKS
    ]
    assert Item.objects.filter(branch=branch).count() == 3


def test_the_page_follows_a_dry_run_by_itself(page, live_server, axe_violations):
    catalog_import = CatalogImport.objects.create(
        origin=CatalogImport.Origin.UPLOAD,
        status=CatalogImport.Status.CHECKING,
        source_name="export-nuit.mrc",
        bytes_total=1000,
        bytes_done=250,
        progressed_at=timezone.now(),
    )
    log_in_to_the_admin(page, live_server, StaffFactory(groups=["network admin"]))

    page.goto(f"{live_server.url}{URL}{catalog_import.pk}/change/")
    progress = page.locator("progress")
    expect(progress).to_have_attribute("value", "250")
    expect(page.get_by_role("status")).to_contain_text("25")
    confirm_url = f"{URL}{catalog_import.pk}/confirm/"
    expect(page.locator(f'a[href="{confirm_url}"]')).to_have_count(0)
    assert axe_violations(page) == []

    # The worker reads on: the page shows it without a reload.
    CatalogImport.objects.filter(pk=catalog_import.pk).update(bytes_done=600)
    expect(progress).to_have_attribute("value", "600", timeout=10_000)

    # The dry run ends: the page reloads itself with its report and the import button.
    report = ImportReport(format="unimarc", dry_run=True, records_read=2, records_created=2)
    CatalogImport.objects.filter(pk=catalog_import.pk).update(
        status=CatalogImport.Status.CHECKED, bytes_done=1000, check_report=report.to_json()
    )
    dry_run = page.locator('section[aria-labelledby="check-report-title"]')
    expect(dry_run).to_be_visible(timeout=10_000)
    expect_report(dry_run, report.to_json())
    expect(page.locator(f'a[href="{confirm_url}"]')).to_have_count(2)
    expect(progress).to_have_attribute("value", "1000")
