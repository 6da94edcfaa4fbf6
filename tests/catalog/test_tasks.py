"""The catalogue's Celery tasks: the nightly folder, the sweeper, and uploads run by a real worker.

The folder and sweeper tests call the tasks in this process (Celery runs
eagerly: what they publish runs here too). The worker tests start a
redis-server and a `celery worker` of their own (tests/celery_worker.py),
sharing this test's database and a scratch MEDIA_ROOT.
"""

import datetime
import os
import re
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation

from catalog.models import CatalogImport, Item, Record
from catalog.services import NOT_A_CATALOGUE_FILE
from catalog.tasks import (
    check_catalogue_upload,
    import_catalogue_folder,
    resume_stalled_imports,
)
from core.publishing import publish_quietly
from tests.catalog.catalogue_files import BOOKS, PNG_BYTES, unimarc_bytes
from tests.catalog.import_lock import another_import_writing
from tests.celery_worker import (
    STARTUP_TIMEOUT,
    needs_redis_server,
    publishing_to,
    wait_for,
)
from tests.factories import StaffFactory
from tests.two_factor import enter_admin

URL = "/admin/catalog/catalogimport/"
BARCODES = sorted(barcode for _id, _title, copies in BOOKS for barcode, _call in copies)
STAMPED = re.compile(r"^\d{8}-\d{6}-")
AN_HOUR_AGO = time.time() - 3600


@pytest.fixture
def inbox(settings, tmp_path):
    """The nightly folder, files taken as soon as dropped."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    settings.CATALOG_IMPORT_FOLDER = str(folder)
    settings.CATALOG_IMPORT_SETTLE_SECONDS = 0
    return folder


def drop(folder, name: str, content: bytes, *, mtime: float = AN_HOUR_AGO):
    path = folder / name
    path.write_bytes(content)
    os.utime(path, (mtime, mtime))
    return path


def names_in(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def upload(media_root, content: bytes, **fields) -> CatalogImport:
    catalog_import = CatalogImport(
        origin=CatalogImport.Origin.UPLOAD, source_name="export.mrc", **fields
    )
    catalog_import.file.save("export.mrc", ContentFile(content), save=False)
    catalog_import.save()
    return catalog_import


@pytest.mark.django_db
class TestNightlyFolder:
    def test_a_dropped_file_is_imported_and_moved_to_done(self, inbox, branch):
        drop(inbox, "export.mrc", unimarc_bytes("HAVEL"))

        assert import_catalogue_folder() == 1

        assert names_in(inbox) == ["done", "failed", "processing"]
        [done] = names_in(inbox / "done")
        assert STAMPED.match(done)
        assert done.endswith("-export.mrc")
        assert names_in(inbox / "failed") == names_in(inbox / "processing") == []
        catalog_import = CatalogImport.objects.get()
        assert catalog_import.origin == CatalogImport.Origin.FOLDER
        assert catalog_import.status == CatalogImport.Status.DONE
        assert catalog_import.source_name.endswith("export.mrc")
        assert catalog_import.report["records_created"] == 2
        assert catalog_import.finished_at is not None
        assert sorted(Record.objects.values_list("identifier", flat=True)) == ["T0001", "T0002"]
        assert sorted(Item.objects.filter(branch=branch).values_list("barcode", flat=True)) == (
            BARCODES
        )

    def test_a_file_that_is_not_a_catalogue_goes_to_failed(self, inbox, branch):
        drop(inbox, "photo.png", PNG_BYTES)
        drop(inbox, "export.mrc", unimarc_bytes("havel"))

        assert import_catalogue_folder() == 1

        [failed] = names_in(inbox / "failed")
        assert STAMPED.match(failed)
        assert failed.endswith("-photo.png")
        assert len(names_in(inbox / "done")) == 1
        refused = CatalogImport.objects.get(status=CatalogImport.Status.FAILED)
        assert refused.origin == CatalogImport.Origin.FOLDER
        assert refused.error_message == str(NOT_A_CATALOGUE_FILE)
        assert Record.objects.count() == 2

    def test_a_file_still_being_written_waits_for_the_next_run(self, inbox, settings, branch):
        settings.CATALOG_IMPORT_SETTLE_SECONDS = 300
        drop(inbox, "settled.mrc", unimarc_bytes("havel"))
        drop(inbox, "writing.mrc", unimarc_bytes("havel"), mtime=time.time() - 10)

        assert import_catalogue_folder() == 1

        assert "writing.mrc" in names_in(inbox)
        assert [name[16:] for name in names_in(inbox / "done")] == ["settled.mrc"]
        assert CatalogImport.objects.count() == 1

    def test_hidden_files_are_left_alone(self, inbox, branch):
        drop(inbox, ".export.mrc.part", unimarc_bytes("havel"))

        assert import_catalogue_folder() == 0

        assert ".export.mrc.part" in names_in(inbox)
        assert not CatalogImport.objects.exists()

    def test_the_branch_map_names_the_branches_of_the_library_system_codes(
        self, inbox, settings, tmp_path, branch
    ):
        branch_map = tmp_path / "branches.csv"
        branch_map.write_text("code;branch\nHAV;havel\n", encoding="utf-8")
        settings.CATALOG_IMPORT_BRANCH_MAP = str(branch_map)
        drop(inbox, "export.mrc", unimarc_bytes("HAV"))

        assert import_catalogue_folder() == 1

        assert sorted(Item.objects.filter(branch=branch).values_list("barcode", flat=True)) == (
            BARCODES
        )

    def test_a_full_export_marks_the_copies_it_no_longer_lists_unavailable(
        self, inbox, settings, branch
    ):
        settings.CATALOG_IMPORT_FULL_EXPORT = True
        drop(inbox, "monday.mrc", unimarc_bytes("havel"))
        import_catalogue_folder()
        tuesday = [(*BOOKS[0][:2], BOOKS[0][2][:1]), *BOOKS[1:]]  # T0001-2 withdrawn
        # Below the 20 % safety share: four more copies stay listed.
        extra = [("T0003", "Les misérables", [(f"T0003-{n}", "R HUG") for n in range(4)])]
        drop(inbox, "tuesday.mrc", unimarc_bytes("havel", [*tuesday, *extra]))

        assert import_catalogue_folder() == 1

        assert list(
            Item.objects.filter(status="unavailable").values_list("barcode", flat=True)
        ) == ["T0001-2"]
        assert CatalogImport.objects.latest("pk").report["copies_withdrawn"] == 1

    @pytest.mark.usefixtures("postgresql_only")
    def test_a_file_waits_while_another_import_writes_the_catalogue(self, inbox, branch):
        drop(inbox, "export.mrc", unimarc_bytes("havel"))

        with another_import_writing():
            assert import_catalogue_folder() == 0

        assert "export.mrc" in names_in(inbox)
        assert names_in(inbox / "done") == names_in(inbox / "failed") == []
        assert not Record.objects.exists()
        # Waiting is not a failure: no import is recorded for it.
        assert not CatalogImport.objects.exists()
        # The next run takes it.
        assert import_catalogue_folder() == 1
        assert Record.objects.count() == 2

    def test_the_import_is_recorded_under_the_file_name_dropped(self, inbox, branch):
        drop(inbox, "export.mrc", unimarc_bytes("havel"))

        import_catalogue_folder()

        assert CatalogImport.objects.get().source_name == "export.mrc"

    def test_a_file_whose_import_was_interrupted_goes_round_again(self, inbox, branch):
        (inbox / "processing").mkdir()
        drop(inbox / "processing", "export.mrc", unimarc_bytes("havel"))

        assert import_catalogue_folder() == 1

        assert names_in(inbox / "processing") == []
        assert [STAMPED.sub("", name) for name in names_in(inbox / "done")] == ["export.mrc"]
        assert Record.objects.count() == 2

    def test_a_file_being_imported_elsewhere_is_left_in_processing(self, inbox, branch):
        (inbox / "processing").mkdir()
        drop(inbox / "processing", "export.mrc", unimarc_bytes("havel"))

        with another_import_writing():
            import_catalogue_folder()

        assert names_in(inbox / "processing") == ["export.mrc"]

    def test_nothing_happens_without_a_folder(self, settings, tmp_path):
        settings.CATALOG_IMPORT_FOLDER = ""

        assert import_catalogue_folder() == 0

        assert not CatalogImport.objects.exists()


@pytest.mark.django_db
class TestSweeper:
    def test_stalled_uploads_are_published_again(self, settings, media_root, branch):
        settings.CATALOG_IMPORT_STALLED_AFTER_SECONDS = 600
        long_ago = timezone.now() - datetime.timedelta(hours=1)
        content = unimarc_bytes("havel")
        checking = upload(media_root, content, status="checking", progressed_at=long_ago)
        importing = upload(
            media_root,
            content,
            status="importing",
            progressed_at=long_ago,
            bytes_total=len(content),
        )
        working = upload(media_root, content, status="checking", progressed_at=timezone.now())

        assert resume_stalled_imports() == 2

        for catalog_import in (checking, importing, working):
            catalog_import.refresh_from_db()
        assert checking.status == CatalogImport.Status.CHECKED
        assert checking.check_report["records_read"] == 2
        assert importing.status == CatalogImport.Status.DONE
        assert sorted(Item.objects.values_list("barcode", flat=True)) == BARCODES
        # Its worker is at it: left alone.
        assert working.status == CatalogImport.Status.CHECKING
        assert working.check_report is None

    def test_an_upload_whose_dry_run_never_reached_a_worker_is_checked(
        self, settings, media_root, branch
    ):
        settings.CATALOG_IMPORT_STALLED_AFTER_SECONDS = 600
        long_ago = timezone.now() - datetime.timedelta(hours=1)
        waiting = upload(media_root, unimarc_bytes("havel"), progressed_at=long_ago)

        assert resume_stalled_imports() == 1

        waiting.refresh_from_db()
        assert waiting.status == CatalogImport.Status.CHECKED

    def test_interrupted_imports_of_the_folder_and_the_command_are_marked_failed(
        self, settings, media_root
    ):
        settings.CATALOG_IMPORT_STALLED_AFTER_SECONDS = 600
        long_ago = timezone.now() - datetime.timedelta(hours=1)
        lost = [
            CatalogImport.objects.create(
                origin=origin, status="importing", source_name="x.mrc", progressed_at=long_ago
            )
            for origin in (CatalogImport.Origin.FOLDER, CatalogImport.Origin.COMMAND)
        ]
        running = CatalogImport.objects.create(
            origin=CatalogImport.Origin.COMMAND,
            status="importing",
            source_name="y.mrc",
            progressed_at=timezone.now(),
        )

        assert resume_stalled_imports() == 0

        for catalog_import in lost:
            catalog_import.refresh_from_db()
            assert catalog_import.status == CatalogImport.Status.FAILED
            with translation.override("en"):
                assert catalog_import.error_message.startswith("Interrupted")
        running.refresh_from_db()
        assert running.status == CatalogImport.Status.IMPORTING


# With a real worker ----------------------------------------------------------------------------


def status_of(catalog_import: CatalogImport) -> str:
    catalog_import.refresh_from_db()
    return catalog_import.status


class TestWithAWorker:
    pytestmark = [
        pytest.mark.django_db(transaction=True),
        needs_redis_server,
        pytest.mark.usefixtures("postgresql_only"),
    ]

    def test_an_upload_is_checked_then_imported_by_the_worker(
        self, private_redis, start_worker, media_root, branch
    ):
        private_redis.start()
        start_worker(private_redis.url, env={"MEDIA_ROOT": str(media_root)})  # boots meanwhile
        client = Client()
        enter_admin(client, StaffFactory(groups=["network admin"]))

        with publishing_to(private_redis.url):
            client.post(
                f"{URL}add/",
                {"file": SimpleUploadedFile("export.mrc", unimarc_bytes("havel")), "format": ""},
            )
            catalog_import = CatalogImport.objects.get()
            wait_for(
                lambda: status_of(catalog_import) == CatalogImport.Status.CHECKED,
                what="the worker's dry run",
                timeout=STARTUP_TIMEOUT,
            )
            assert catalog_import.check_report["records_created"] == 2
            assert not Record.objects.exists()

            client.post(f"{URL}{catalog_import.pk}/confirm/")
            wait_for(
                lambda: status_of(catalog_import) == CatalogImport.Status.DONE,
                what="the worker's import",
            )

        assert catalog_import.report["records_created"] == 2
        assert catalog_import.report["copies_created"] == 3
        assert catalog_import.bytes_done == catalog_import.bytes_total
        assert sorted(Item.objects.filter(branch=branch).values_list("barcode", flat=True)) == (
            BARCODES
        )
        assert private_redis.pending_messages() == 0

    def test_the_sweeper_on_the_worker_takes_over_a_lost_dry_run(
        self, private_redis, start_worker, media_root, branch
    ):
        private_redis.start()
        start_worker(
            private_redis.url,
            env={"MEDIA_ROOT": str(media_root), "CATALOG_IMPORT_STALLED_AFTER_SECONDS": "60"},
        )
        lost = upload(
            media_root,
            unimarc_bytes("havel"),
            status="checking",
            progressed_at=timezone.now() - datetime.timedelta(minutes=5),
        )

        with publishing_to(private_redis.url):
            assert publish_quietly(resume_stalled_imports)
            wait_for(
                lambda: status_of(lost) == CatalogImport.Status.CHECKED,
                what="the dry run the sweeper published again",
                timeout=STARTUP_TIMEOUT,
            )
            # Published again by a second sweep or an operator: safe, changes nothing.
            assert publish_quietly(check_catalogue_upload, lost.pk)
            wait_for(lambda: private_redis.pending_messages() == 0, what="the queue to drain")

        lost.refresh_from_db()
        assert lost.status == CatalogImport.Status.CHECKED
        assert lost.check_report["records_created"] == 2
        assert not Record.objects.exists()
