import pytest

from tests.factories import BranchFactory, ItemFactory, RecordFactory

pytestmark = pytest.mark.django_db


def test_record_list_shows_how_many_copies_each_record_has(admin_client):
    branch = BranchFactory()
    many = RecordFactory(title="Astérix le Gaulois")
    ItemFactory.create_batch(3, record=many, branch=branch)
    RecordFactory(title="Bécassine")

    response = admin_client.get("/admin/catalog/record/")

    counts = {r.title: r.copy_count for r in response.context["cl"].result_list}
    assert counts == {"Astérix le Gaulois": 3, "Bécassine": 0}


def test_record_list_query_count_does_not_grow_with_records(
    admin_client, django_assert_max_num_queries
):
    branch = BranchFactory()
    for record in RecordFactory.create_batch(30):
        ItemFactory(record=record, branch=branch)

    with django_assert_max_num_queries(12):
        admin_client.get("/admin/catalog/record/")


def test_record_search_by_isbn_is_exact(admin_client):
    wanted = RecordFactory(isbn="9782070612758")
    RecordFactory(isbn="9782070612759")

    response = admin_client.get("/admin/catalog/record/", {"q": "9782070612758"})

    assert list(response.context["cl"].result_list) == [wanted]


def test_record_page_lists_its_copies_inline(admin_client):
    item = ItemFactory(barcode="C12345")

    response = admin_client.get(f"/admin/catalog/record/{item.record.pk}/change/")

    assert response.status_code == 200
    assert "C12345" in response.content.decode()


def test_copy_list_finds_a_scanned_barcode(admin_client):
    wanted = ItemFactory(barcode="C00000001234")
    ItemFactory(barcode="C00000001235")

    response = admin_client.get("/admin/catalog/item/", {"q": "C00000001234"})

    assert list(response.context["cl"].result_list) == [wanted]


def test_copy_list_filters_by_status_and_branch(admin_client):
    branch = BranchFactory()
    on_loan = ItemFactory(branch=branch, status="on_loan")
    ItemFactory(branch=branch, status="available")

    response = admin_client.get(
        "/admin/catalog/item/", {"status__exact": "on_loan", "branch__id__exact": branch.pk}
    )

    assert list(response.context["cl"].result_list) == [on_loan]


@pytest.mark.parametrize("status", ["held", "on_loan"])
def test_a_copy_in_an_order_or_on_loan_cannot_change_status_by_hand(admin_client, status):
    item = ItemFactory(status=status)

    page = admin_client.get(f"/admin/catalog/item/{item.pk}/change/")

    assert "status" not in page.context["adminform"].form.fields


def test_a_copy_on_the_shelf_can_be_marked_unavailable(admin_client):
    item = ItemFactory(status="available")

    response = admin_client.post(
        f"/admin/catalog/item/{item.pk}/change/",
        {
            "barcode": item.barcode,
            "record": item.record.pk,
            "branch": item.branch.pk,
            "call_number": item.call_number,
            "status": "unavailable",
        },
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "unavailable"
