import pytest
from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError
from django.utils import translation

from catalog.models import CatalogImport, Item
from reservations.models import CampaignStatus, LineStatus
from tests.factories import BranchFactory, DocumentTypeFactory, ItemFactory, RecordFactory

pytestmark = pytest.mark.django_db


def test_barcodes_are_unique_across_branches():
    ItemFactory(barcode="C00000000001")

    with pytest.raises(IntegrityError):
        ItemFactory(barcode="C00000000001", branch=BranchFactory())


def test_unknown_item_status_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        ItemFactory(status="stolen")


def test_empty_barcode_is_refused():
    with pytest.raises(IntegrityError):
        ItemFactory(barcode="")


def test_loan_period_of_zero_days_is_refused():
    with pytest.raises(IntegrityError):
        DocumentTypeFactory(code="dvd", loan_days=0)


def test_negative_quarantine_is_refused():
    with pytest.raises(IntegrityError):
        DocumentTypeFactory(code="cd", quarantine_days=-1)


def test_record_needs_a_title():
    with pytest.raises(IntegrityError):
        RecordFactory(title="")


def test_record_identifiers_are_unique():
    RecordFactory(identifier="paris:1")

    with pytest.raises(IntegrityError):
        RecordFactory(identifier="paris:1")


def test_document_type_name_follows_the_active_language():
    dvd = DocumentTypeFactory(code="dvd", name_fr="DVD vidéo", name_en="Video DVD")

    with translation.override("fr"):
        assert dvd.name == "DVD vidéo"
    with translation.override("en"):
        assert str(dvd) == "Video DVD"


def test_a_document_type_in_use_cannot_be_deleted():
    record = RecordFactory()

    with pytest.raises(ProtectedError):
        record.document_type.delete()


def test_a_branch_holding_copies_cannot_be_deleted():
    item = ItemFactory()

    with pytest.raises(ProtectedError), transaction.atomic():
        item.branch.delete()
    assert Item.objects.filter(pk=item.pk).exists()


def test_new_copies_are_on_the_shelf():
    assert ItemFactory().status == Item.Status.AVAILABLE


def test_an_import_and_a_campaign_each_keep_their_own_french_status_words():
    # The same English words ("done", "failed") need another gender in French:
    # one app's translation must not replace the other's.
    with translation.override("fr"):
        assert str(CatalogImport.Status.DONE.label) == "terminé"
        assert str(CampaignStatus.DONE.label) == "terminée"
        assert str(CatalogImport.Status.FAILED.label) == "échoué"


def test_a_copy_unavailable_and_a_line_not_found_keep_their_own_french_words():
    with translation.override("fr"):
        assert str(Item.Status.UNAVAILABLE.label) == "indisponible"
        assert str(LineStatus.UNAVAILABLE.label) == "introuvable"
