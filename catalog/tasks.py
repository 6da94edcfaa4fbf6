"""Celery tasks of the catalogue: thin wrappers around catalog.services.

Each is safe to run twice or on two workers at once: the status changes are
made under a row lock, the writing import holds a database-wide lock, and
an import run again changes only what is still different.
"""

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings

from core.publishing import publish_quietly

from . import services
from .imports.branch_codes import read_branch_map
from .imports.loader import ImportAlreadyRunning
from .models import CatalogImport

logger = logging.getLogger(__name__)

# Another import writing the catalogue: try again this many seconds later.
RETRY_SECONDS = 60


@shared_task(name="catalog.tasks.check_catalogue_upload")
def check_catalogue_upload(import_id: int) -> str | None:
    """Run the dry run of an uploaded catalogue file; return its status."""
    try:
        catalog_import = services.check_upload(import_id=import_id)
    except Exception:
        # Recorded on the import's row (status failed, with the reason).
        logger.exception("Dry run of catalogue import %s failed", import_id)
        return CatalogImport.Status.FAILED
    return catalog_import.status if catalog_import else None


@shared_task(
    bind=True,
    name="catalog.tasks.run_catalogue_upload",
    max_retries=60,
)
def run_catalogue_upload(self, import_id: int) -> str | None:
    """Import a confirmed upload; wait for another import writing the catalogue."""
    try:
        catalog_import = services.run_upload(import_id=import_id)
    except ImportAlreadyRunning as waiting:
        if self.request.is_eager:
            raise
        raise self.retry(countdown=RETRY_SECONDS) from waiting
    except Exception:
        logger.exception("Catalogue import %s failed", import_id)
        return CatalogImport.Status.FAILED
    return catalog_import.status if catalog_import else None


@shared_task(name="catalog.tasks.import_catalogue_folder")
def import_catalogue_folder() -> int:
    """Import the files the library system dropped in CATALOG_IMPORT_FOLDER; return how many."""
    if not settings.CATALOG_IMPORT_FOLDER:
        return 0
    branch_map = (
        read_branch_map(settings.CATALOG_IMPORT_BRANCH_MAP)
        if settings.CATALOG_IMPORT_BRANCH_MAP
        else None
    )
    imports = services.import_folder(
        folder=Path(settings.CATALOG_IMPORT_FOLDER),
        settle_seconds=settings.CATALOG_IMPORT_SETTLE_SECONDS,
        full_export=settings.CATALOG_IMPORT_FULL_EXPORT,
        branch_map=branch_map,
    )
    return len(imports)


@shared_task(name="catalog.tasks.resume_stalled_imports")
def resume_stalled_imports() -> int:
    """Publish again the uploads whose task was lost; return how many.

    Command and folder imports that lost their process are marked failed.
    """
    older_than_seconds = settings.CATALOG_IMPORT_STALLED_AFTER_SECONDS
    services.fail_interrupted_imports(older_than_seconds=older_than_seconds)
    stalled = services.stalled_imports(older_than_seconds=older_than_seconds).values_list(
        "pk", "status"
    )
    for import_id, status in stalled:
        task = (
            run_catalogue_upload
            if status == CatalogImport.Status.IMPORTING
            else check_catalogue_upload
        )
        publish_quietly(task, import_id)
    return len(stalled)
