"""The catalogue import screens of the admin: upload, dry run, confirm, progress, who may do what.

Celery runs eagerly here (no broker configured): the dry run published after
the upload's commit, and the import published by the confirmation, run
within the test, as a worker would. Uploaded files go to a scratch MEDIA_ROOT.
"""

import importlib
import re

import pytest
from django.contrib import messages
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation
from django.utils.html import escape

from catalog import services
from catalog.imports.report import ImportReport
from catalog.models import CatalogImport, Item, Record
from catalog.tasks import check_catalogue_upload, resume_stalled_imports
from tests.catalog.catalogue_files import BOOKS, PNG_BYTES, unimarc_bytes
from tests.catalog.import_lock import another_import_writing
from tests.factories import PatronFactory, StaffFactory

# Uploads land in a scratch MEDIA_ROOT, never in the repository.
from tests.two_factor import enter_admin

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

URL = "/admin/catalog/catalogimport/"
MIGRATION = "0004_network_admins_import_catalogue"
BARCODES = sorted(barcode for _id, _title, copies in BOOKS for barcode, _call in copies)


@pytest.fixture
def network_admin(client):
    user = StaffFactory(groups=["network admin"])
    enter_admin(client, user)
    return user


def upload(content: bytes, name: str = "export.mrc") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def messages_at(response, level: int) -> list[str]:
    """The messages of a level (their words are translated later: tests check their level)."""
    return [
        str(message) for message in get_messages(response.wsgi_request) if message.level == level
    ]


def errors_of(response) -> list[str]:
    return messages_at(response, messages.ERROR)


def post_upload(client, capture, content: bytes, **fields):
    """Post the add form, then run what the admin queued after its commit (the dry run)."""
    with capture(execute=True):
        return client.post(f"{URL}add/", {"file": upload(content), "format": "", **fields})


def checked_import(client, capture, branch) -> CatalogImport:
    post_upload(client, capture, unimarc_bytes(branch.code))
    return CatalogImport.objects.get()


def summary_of(data: dict, language: str) -> list[str]:
    """The report's sentences as the page shows them, escaped, in that language."""
    with translation.override(language):
        return [escape(line) for line in ImportReport.from_json(data).summary_lines()]


def make_import(media_root, content: bytes = b"x", **fields) -> CatalogImport:
    """An upload made directly, at the status given."""
    catalog_import = CatalogImport(
        origin=CatalogImport.Origin.UPLOAD, source_name="export.mrc", **fields
    )
    catalog_import.file.save("export.mrc", ContentFile(content), save=False)
    catalog_import.save()
    return catalog_import


class TestUpload:
    def test_an_upload_is_checked_by_a_dry_run_that_writes_nothing(
        self, client, network_admin, branch, django_capture_on_commit_callbacks
    ):
        response = post_upload(client, django_capture_on_commit_callbacks, unimarc_bytes("HAVEL"))

        catalog_import = CatalogImport.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"{URL}{catalog_import.pk}/change/"
        assert catalog_import.status == CatalogImport.Status.CHECKED
        assert catalog_import.origin == CatalogImport.Origin.UPLOAD
        assert catalog_import.created_by == network_admin
        assert catalog_import.format == "unimarc"
        assert catalog_import.bytes_done == catalog_import.bytes_total > 0
        report = catalog_import.check_report
        assert report["dry_run"] is True
        assert (report["records_read"], report["records_created"]) == (2, 2)
        assert report["copies_created"] == 3
        assert catalog_import.report is None
        assert not Record.objects.exists()
        assert not Item.objects.exists()

    def test_the_import_page_shows_the_dry_run_report_and_the_import_button(
        self, client, network_admin, branch, django_capture_on_commit_callbacks
    ):
        catalog_import = checked_import(client, django_capture_on_commit_callbacks, branch)

        response = client.get(f"{URL}{catalog_import.pk}/change/")

        content = response.content.decode()
        assert response.status_code == 200
        assert 'id="check-report-title"' in content
        assert 'id="import-report-title"' not in content
        for line in summary_of(catalog_import.check_report, "fr"):
            assert line in content
        assert f'href="{URL}{catalog_import.pk}/confirm/"' in content
        # Finished: the page no longer follows a worker.
        assert "data-progress-url" not in content

    def test_a_file_that_is_not_a_catalogue_is_refused(
        self, client, network_admin, django_capture_on_commit_callbacks
    ):
        with translation.override("fr"):
            expected = str(services.NOT_A_CATALOGUE_FILE)

        for content in (PNG_BYTES, b"Liste de courses\npain\nlait\n"):
            response = post_upload(client, django_capture_on_commit_callbacks, content)

            assert response.status_code == 200
            assert response.context["adminform"].form.errors == {"file": [expected]}
            assert escape(expected) in response.content.decode()
        assert not CatalogImport.objects.exists()

    def test_a_file_over_the_size_limit_is_refused_and_not_kept(
        self, client, network_admin, branch, settings, media_root
    ):
        settings.CATALOG_UPLOAD_MAX_MB = 1
        content = unimarc_bytes("havel")
        too_large = content * (1024 * 1024 // len(content) + 1)

        response = client.post(f"{URL}add/", {"file": upload(too_large), "format": ""})

        [error] = response.context["adminform"].form.errors["file"]
        assert " 1 M" in error  # MB, Mo
        assert not CatalogImport.objects.exists()
        assert not media_root.exists() or not any(media_root.rglob("*.mrc"))

    def test_a_file_at_the_size_limit_is_accepted(
        self, client, network_admin, branch, settings, django_capture_on_commit_callbacks
    ):
        settings.CATALOG_UPLOAD_MAX_MB = 1
        content = unimarc_bytes("havel")

        post_upload(client, django_capture_on_commit_callbacks, content)

        assert CatalogImport.objects.get().status == CatalogImport.Status.CHECKED

    def test_a_dry_run_that_fails_says_why_on_the_page(self, client, network_admin, media_root):
        catalog_import = make_import(
            media_root, content=b"not a catalogue", status=CatalogImport.Status.UPLOADED
        )

        assert check_catalogue_upload(catalog_import.pk) == CatalogImport.Status.FAILED
        catalog_import.refresh_from_db()
        response = client.get(f"{URL}{catalog_import.pk}/change/")

        assert catalog_import.status == CatalogImport.Status.FAILED
        assert catalog_import.error_message == str(services.NOT_A_CATALOGUE_FILE)
        content = response.content.decode()
        assert escape(catalog_import.error_message) in content
        assert f"{URL}{catalog_import.pk}/confirm/" not in content


class TestConfirm:
    def test_the_confirmation_page_shows_the_report_and_changes_nothing(
        self, client, network_admin, branch, django_capture_on_commit_callbacks
    ):
        catalog_import = checked_import(client, django_capture_on_commit_callbacks, branch)

        response = client.get(f"{URL}{catalog_import.pk}/confirm/")

        content = response.content.decode()
        assert response.status_code == 200
        assert 'id="check-report-title"' in content
        for line in summary_of(catalog_import.check_report, "fr"):
            assert line in content
        assert '<form method="post">' in content
        assert f'href="{URL}{catalog_import.pk}/change/"' in content
        catalog_import.refresh_from_db()
        assert catalog_import.status == CatalogImport.Status.CHECKED
        assert not Record.objects.exists()

    def test_confirming_imports_the_file_and_shows_what_it_did(
        self, client, network_admin, branch, django_capture_on_commit_callbacks
    ):
        catalog_import = checked_import(client, django_capture_on_commit_callbacks, branch)

        response = client.post(f"{URL}{catalog_import.pk}/confirm/", follow=True)

        assert response.redirect_chain[-1][0] == f"{URL}{catalog_import.pk}/change/"
        catalog_import.refresh_from_db()
        assert catalog_import.status == CatalogImport.Status.DONE
        assert catalog_import.started_at is not None
        assert catalog_import.finished_at is not None
        assert catalog_import.report["dry_run"] is False
        assert catalog_import.report["records_created"] == 2
        assert catalog_import.report["copies_created"] == 3
        assert sorted(Record.objects.values_list("identifier", "title")) == [
            (identifier, title) for identifier, title, _copies in BOOKS
        ]
        assert sorted(Item.objects.values_list("barcode", "branch", "call_number")) == sorted(
            (barcode, branch.pk, call) for _id, _title, copies in BOOKS for barcode, call in copies
        )
        content = response.content.decode()
        assert 'id="import-report-title"' in content
        for line in summary_of(catalog_import.report, "fr"):
            assert line in content
        # Imported: no second import offered.
        assert f"{URL}{catalog_import.pk}/confirm/" not in content
        assert not errors_of(response)
        assert len(messages_at(response, messages.SUCCESS)) == 1  # "Import started."

    def test_confirming_twice_imports_once(
        self, client, network_admin, branch, django_capture_on_commit_callbacks
    ):
        catalog_import = checked_import(client, django_capture_on_commit_callbacks, branch)
        client.post(f"{URL}{catalog_import.pk}/confirm/")
        catalog_import.refresh_from_db()
        first_finish, first_report = catalog_import.finished_at, catalog_import.report

        response = client.post(f"{URL}{catalog_import.pk}/confirm/", follow=True)

        assert len(errors_of(response)) == 1
        catalog_import.refresh_from_db()
        assert catalog_import.status == CatalogImport.Status.DONE
        assert (catalog_import.finished_at, catalog_import.report) == (first_finish, first_report)
        assert CatalogImport.objects.count() == 1
        assert sorted(Item.objects.values_list("barcode", flat=True)) == BARCODES

    def test_an_upload_still_being_checked_cannot_be_confirmed(
        self, client, network_admin, media_root
    ):
        catalog_import = make_import(
            media_root, status=CatalogImport.Status.CHECKING, progressed_at=timezone.now()
        )

        response = client.post(f"{URL}{catalog_import.pk}/confirm/", follow=True)

        assert response.status_code == 200
        assert len(errors_of(response)) == 1
        catalog_import.refresh_from_db()
        assert catalog_import.status == CatalogImport.Status.CHECKING

    def test_the_confirmation_page_of_an_import_done_sends_back_to_its_page(
        self, client, network_admin, branch, django_capture_on_commit_callbacks
    ):
        catalog_import = checked_import(client, django_capture_on_commit_callbacks, branch)
        client.post(f"{URL}{catalog_import.pk}/confirm/")

        response = client.get(f"{URL}{catalog_import.pk}/confirm/", follow=True)

        assert response.redirect_chain[-1][0] == f"{URL}{catalog_import.pk}/change/"
        assert len(errors_of(response)) == 1
        assert '<form method="post">' not in response.content.decode()

    @pytest.mark.usefixtures("postgresql_only")
    def test_an_import_waiting_for_another_is_left_to_the_sweeper(
        self, client, network_admin, branch, settings, django_capture_on_commit_callbacks
    ):
        catalog_import = checked_import(client, django_capture_on_commit_callbacks, branch)

        with another_import_writing():
            response = client.post(f"{URL}{catalog_import.pk}/confirm/", follow=True)

        assert len(messages_at(response, messages.WARNING)) == 1
        catalog_import.refresh_from_db()
        assert catalog_import.status == CatalogImport.Status.IMPORTING
        assert catalog_import.error == ""
        assert not Record.objects.exists()
        assert "data-progress-url" in response.content.decode()
        # The other import is over: the sweeper publishes this one again.
        settings.CATALOG_IMPORT_STALLED_AFTER_SECONDS = 0
        assert resume_stalled_imports() == 1
        catalog_import.refresh_from_db()
        assert catalog_import.status == CatalogImport.Status.DONE
        assert Record.objects.count() == 2

    def test_an_unknown_import_is_a_404(self, client, network_admin):
        assert client.get(f"{URL}999999/confirm/").status_code == 404
        assert client.get(f"{URL}999999/progress/").status_code == 404


class TestProgress:
    def test_progress_is_served_as_json_while_it_imports(self, client, network_admin, media_root):
        catalog_import = make_import(
            media_root,
            status=CatalogImport.Status.IMPORTING,
            bytes_total=1000,
            bytes_done=250,
            progressed_at=timezone.now(),
        )

        progress = client.get(f"{URL}{catalog_import.pk}/progress/").json()
        page = client.get(f"{URL}{catalog_import.pk}/change/").content.decode()

        assert progress["status"] == "importing"
        assert (progress["value"], progress["max"]) == (250, 1000)
        assert re.search(r"\b25\s?%", progress["text"])
        assert progress["working"] is True
        assert f'data-progress-url="{URL}{catalog_import.pk}/progress/"' in page
        assert '<meta http-equiv="refresh"' in page  # inside <noscript>
        assert 'value="250" max="1000"' in page

    def test_a_finished_import_is_not_followed(
        self, client, network_admin, branch, django_capture_on_commit_callbacks
    ):
        catalog_import = checked_import(client, django_capture_on_commit_callbacks, branch)
        client.post(f"{URL}{catalog_import.pk}/confirm/")

        progress = client.get(f"{URL}{catalog_import.pk}/progress/").json()

        assert progress["status"] == "done"
        assert progress["working"] is False
        assert progress["value"] == progress["max"] == catalog_import.bytes_total

    def test_a_working_import_cannot_be_edited_or_deleted(self, client, network_admin, media_root):
        catalog_import = make_import(
            media_root, status=CatalogImport.Status.IMPORTING, progressed_at=timezone.now()
        )

        edit = client.post(f"{URL}{catalog_import.pk}/change/", {"full_export": "on"})
        delete = client.post(f"{URL}{catalog_import.pk}/delete/", {"post": "yes"})
        page = client.get(f"{URL}{catalog_import.pk}/change/").content.decode()

        assert edit.status_code == 403
        assert delete.status_code == 403
        assert f"{URL}{catalog_import.pk}/delete/" not in page
        catalog_import.refresh_from_db()
        assert catalog_import.full_export is False
        assert catalog_import.status == CatalogImport.Status.IMPORTING

    def test_a_finished_import_can_be_deleted_but_not_edited(
        self, client, network_admin, media_root
    ):
        catalog_import = make_import(media_root, status=CatalogImport.Status.DONE)

        edit = client.post(f"{URL}{catalog_import.pk}/change/", {"full_export": "on"})
        delete = client.post(f"{URL}{catalog_import.pk}/delete/", {"post": "yes"})

        assert edit.status_code == 403
        assert delete.status_code == 302
        assert not CatalogImport.objects.exists()


class TestList:
    def test_the_list_says_what_each_import_did(self, client, network_admin, media_root):
        report = ImportReport(records_read=1500, records_created=1200, records_updated=300)
        make_import(media_root, status=CatalogImport.Status.DONE, report=report.to_json())
        make_import(media_root, status=CatalogImport.Status.FAILED, error="Fichier illisible")
        make_import(media_root, status=CatalogImport.Status.UPLOADED)

        response = client.get(URL, headers={"accept-language": "en"})

        content = response.content.decode()
        assert response.status_code == 200
        assert "1,500 records: 1,200 new, 300 changed; 0 skipped" in content
        assert "Fichier illisible" in content
        assert len(response.context["cl"].result_list) == 3


class TestLanguages:
    def test_the_pages_are_in_french_by_default(
        self, client, network_admin, branch, django_capture_on_commit_callbacks
    ):
        catalog_import = checked_import(client, django_capture_on_commit_callbacks, branch)

        add = client.get(f"{URL}add/").content.decode()
        page = client.get(f"{URL}{catalog_import.pk}/change/").content.decode()

        assert '<html lang="fr"' in add
        assert 'type="file"' in add
        assert '<html lang="fr"' in page
        assert "Déconnexion" in page

    def test_the_pages_are_in_english_when_asked(
        self, client, network_admin, branch, django_capture_on_commit_callbacks
    ):
        catalog_import = checked_import(client, django_capture_on_commit_callbacks, branch)
        english = {"accept-language": "en"}

        add = client.get(f"{URL}add/", headers=english).content.decode()
        page = client.get(f"{URL}{catalog_import.pk}/change/", headers=english).content.decode()
        confirm = client.get(f"{URL}{catalog_import.pk}/confirm/", headers=english)

        assert '<html lang="en"' in add
        assert "Nothing is written before you have seen the dry run" in add
        assert '<html lang="en"' in page
        assert "Dry run: what the import would do" in page
        assert "2 records read: 2 new, 0 changed, 0 unchanged, 0 skipped." in page
        assert "Copies: 3 new, 0 moved to another branch" in page
        assert "Import this file" in page
        assert "Dry run: what the import would do" in confirm.content.decode()

    def test_the_language_cookie_chooses_english(
        self, client, network_admin, branch, settings, django_capture_on_commit_callbacks
    ):
        catalog_import = checked_import(client, django_capture_on_commit_callbacks, branch)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

        page = client.get(f"{URL}{catalog_import.pk}/change/").content.decode()

        assert '<html lang="en"' in page
        assert "Dry run finished: read its report, then import or leave it." in page


class TestPermissions:
    def test_network_admins_get_the_import_permissions_from_the_migration(self):
        # Run with the migration's own state, as `migrate` does on a fresh database.
        state = MigrationExecutor(connection).loader.project_state(("catalog", MIGRATION))
        migration = importlib.import_module(f"catalog.migrations.{MIGRATION}")
        group, _ = Group.objects.get_or_create(name="network admin")
        group.permissions.clear()
        Permission.objects.filter(codename="run_catalogimport").delete()

        migration.grant(state.apps, schema_editor=None)

        codenames = set(group.permissions.values_list("codename", flat=True))
        assert set(migration.CODENAMES) <= codenames
        assert {"run_catalogimport", "add_catalogimport", "change_ilsbranchcode"} <= codenames
        # An import is a record of what happened: never edited.
        assert "change_catalogimport" not in codenames

        migration.revoke(state.apps, schema_editor=None)

        assert not group.permissions.filter(codename__in=migration.CODENAMES).exists()

    def test_staff_who_may_view_but_not_run_get_no_import(
        self, client, network_admin, branch, django_capture_on_commit_callbacks
    ):
        catalog_import = checked_import(client, django_capture_on_commit_callbacks, branch)
        viewer = StaffFactory()
        viewer.user_permissions.set(
            Permission.objects.filter(
                codename__in=["view_catalogimport", "add_catalogimport", "act_on_all_branches"]
            )
        )
        enter_admin(client, viewer)

        page = client.get(f"{URL}{catalog_import.pk}/change/")
        confirm_page = client.get(f"{URL}{catalog_import.pk}/confirm/", follow=True)
        confirm = client.post(f"{URL}{catalog_import.pk}/confirm/", follow=True)

        assert page.status_code == 200
        assert f"{URL}{catalog_import.pk}/confirm/" not in page.content.decode()
        for response in (confirm_page, confirm):
            assert response.redirect_chain[-1][0] == f"{URL}{catalog_import.pk}/change/"
            assert len(errors_of(response)) == 1
        catalog_import.refresh_from_db()
        assert catalog_import.status == CatalogImport.Status.CHECKED
        assert not Record.objects.exists()

    def test_a_librarian_cannot_see_or_run_imports(
        self, client, network_admin, branch, django_capture_on_commit_callbacks
    ):
        catalog_import = checked_import(client, django_capture_on_commit_callbacks, branch)
        client.force_login(StaffFactory(groups=["librarian"]))

        listing = client.get(URL)
        add = client.post(f"{URL}add/", {"file": upload(unimarc_bytes("havel")), "format": ""})
        confirm = client.post(f"{URL}{catalog_import.pk}/confirm/")
        progress = client.get(f"{URL}{catalog_import.pk}/progress/")

        # The admin is for network admins only: everyone else is sent to its sign-in page.
        for response in (listing, add, confirm, progress):
            assert response.status_code == 302
            assert response.url.startswith("/admin/login/")
        assert CatalogImport.objects.count() == 1
        catalog_import.refresh_from_db()
        assert catalog_import.status == CatalogImport.Status.CHECKED
        assert not Record.objects.exists()

    def test_a_patron_is_sent_to_the_admin_login(self, client, media_root):
        catalog_import = make_import(media_root, status=CatalogImport.Status.CHECKED)
        client.force_login(PatronFactory())

        response = client.post(f"{URL}{catalog_import.pk}/confirm/")

        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
        catalog_import.refresh_from_db()
        assert catalog_import.status == CatalogImport.Status.CHECKED
