"""The catalogue's pages: /catalog/?q= and /catalog/<id>/ (run on PostgreSQL and on SQLite)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from branches.models import PostcodeArea
from catalog.models import Item
from tests.factories import (
    BranchFactory,
    DocumentTypeFactory,
    ItemFactory,
    PatronFactory,
    RecordFactory,
)

pytestmark = pytest.mark.django_db

SEARCH = "/catalog/"


def test_addresses_are_the_public_ones():
    assert reverse("catalog:search") == SEARCH
    assert reverse("catalog:record", args=[42]) == "/catalog/42/"


@pytest.fixture
def havel():
    return BranchFactory(
        code="havel",
        name="Václav Havel",
        latitude=Decimal("48.889950"),
        longitude=Decimal("2.359870"),
        postcode="75018",
    )


@pytest.fixture
def mousquetaires(havel):
    record = RecordFactory(
        title="Les Trois Mousquetaires",
        creators="Dumas, Alexandre",
        publisher="Gallimard",
        year=1844,
        isbn="9782070417681",
        subjects="Roman historique",
        summary="D'Artagnan monte à Paris.",
    )
    ItemFactory.create_batch(2, record=record, branch=havel, call_number="R DUM")
    return record


class TestSearchPage:
    def test_empty_query_shows_the_form_only(self, client, django_assert_max_num_queries):
        with django_assert_max_num_queries(2):  # the filters' choices
            response = client.get(SEARCH)

        assert response.status_code == 200
        assert 'name="q"' in response.text
        assert 'class="hit-list"' not in response.text

    def test_french_by_default(self, client, mousquetaires):
        response = client.get(SEARCH, {"q": "mousquetaires"})

        assert "Rechercher dans le catalogue" in response.text
        assert "2 exemplaires en rayon" in response.text

    def test_english_on_request(self, client, mousquetaires):
        response = client.get(SEARCH, {"q": "mousquetaires"}, headers={"accept-language": "en"})

        assert "Search the catalogue" in response.text
        assert "2 copies on the shelf" in response.text

    def test_hit_shows_title_creators_year_type_and_copies(self, client, mousquetaires):
        response = client.get(SEARCH, {"q": "mousquetaires"}, headers={"accept-language": "en"})

        assert response.status_code == 200
        page = response.context["page"]
        assert [hit.pk for hit in page.hits] == [mousquetaires.pk]
        text = response.text
        for expected in ("Les Trois Mousquetaires", "Dumas, Alexandre", "1844", "Book"):
            assert expected in text
        assert f'href="/catalog/{mousquetaires.pk}/"' in text

    def test_no_result_says_so(self, client, mousquetaires):
        response = client.get(SEARCH, {"q": "zzqxwv"}, headers={"accept-language": "en"})

        assert "No document matches your search." in response.text

    def test_constant_number_of_queries_whatever_the_page_size(
        self, client, havel, django_assert_num_queries
    ):
        for record in RecordFactory.create_batch(25, title="Chroniques martiennes"):
            ItemFactory.create_batch(2, record=record, branch=havel)
        # Document types, branches (the filters' choices, then kept in the cache), count,
        # page, copies on the shelf.
        with django_assert_num_queries(5):
            full = client.get(SEARCH, {"q": "martiennes"})
        with django_assert_num_queries(3):
            last = client.get(SEARCH, {"q": "martiennes", "page": 2})

        assert len(full.context["page"].hits) == 20
        assert len(last.context["page"].hits) == 5

    def test_filters_by_type_language_and_branch_code(self, client, mousquetaires, havel):
        dvd = DocumentTypeFactory(code="dvd", name_fr="DVD", name_en="DVD")
        film = RecordFactory(title="Les Trois Mousquetaires", document_type=dvd, language="eng")
        ItemFactory(record=film, branch=BranchFactory(code="elsewhere"))

        def hits(**params):
            response = client.get(SEARCH, {"q": "mousquetaires", **params})
            assert response.status_code == 200
            return [hit.pk for hit in response.context["page"].hits]

        assert hits(type="dvd") == [film.pk]
        assert hits(language="eng") == [film.pk]
        assert hits(branch="havel") == [mousquetaires.pk]
        assert hits(type="book", branch="havel", language="fre") == [mousquetaires.pk]

    def test_branch_filter_offers_click_and_collect_branches_only(self, client, havel):
        BranchFactory(code="closed", name="Bibliothèque fermée", click_and_collect_enabled=False)

        response = client.get(SEARCH, {"q": "x", "branch": "closed"})

        assert "Václav Havel" in response.text
        assert "Bibliothèque fermée" not in response.text
        assert response.context["form"].errors["branch"]

    def test_pagination_links_keep_the_query_and_filters(self, client, havel):
        RecordFactory.create_batch(21, title="Chroniques martiennes")

        response = client.get(
            SEARCH, {"q": "martiennes", "type": "book"}, headers={"accept-language": "en"}
        )

        assert 'href="?q=martiennes&amp;type=book&amp;page=2"' in response.text
        assert "Page 1 of 2" in response.text


class TestSearchBadInput:
    def test_very_long_query_is_cut_with_a_notice(self, client, mousquetaires):
        response = client.get(
            SEARCH, {"q": "mousquetaires " + "a" * 2000}, headers={"accept-language": "en"}
        )

        assert response.status_code == 200
        assert len(response.context["page"].query) == 200
        assert "Your search was too long" in response.text

    @pytest.mark.parametrize(
        "query",
        [
            "'; DROP TABLE catalog_record; --",
            "<script>alert('x')</script>",
            '" OR 1=1 --',
            "!!! & | :* ()",
            "%_\\",
        ],  # a NUL character is a bad address everywhere: tests/config/test_hostile_input.py
    )
    def test_sql_and_html_are_plain_text(self, client, mousquetaires, query):
        response = client.get(SEARCH, {"q": query})

        assert response.status_code == 200
        assert "<script>alert" not in response.text
        assert client.get(SEARCH, {"q": "mousquetaires"}).context["page"].count == 1

    def test_unknown_filters_are_ignored_with_a_message(self, client, mousquetaires):
        response = client.get(
            SEARCH,
            {"q": "mousquetaires", "type": "vinyl", "language": "klingon", "branch": "atlantis"},
            headers={"accept-language": "en"},
        )

        assert response.status_code == 200
        assert [hit.pk for hit in response.context["page"].hits] == [mousquetaires.pk]
        for message in ("Unknown document type", "Unknown language", "Unknown library"):
            assert message in response.text

    def test_unknown_parameters_are_ignored(self, client, mousquetaires):
        response = client.get(SEARCH, {"q": "mousquetaires", "sort": "evil", "type[]": "x"})

        assert response.status_code == 200
        assert response.context["page"].count == 1

    @pytest.mark.parametrize("page", ["abc", "-3", "0", "1.5", "", "99999999999999999999999"])
    def test_odd_page_numbers_never_fail(self, client, mousquetaires, page):
        response = client.get(SEARCH, {"q": "mousquetaires", "page": page})

        assert response.status_code == 200
        assert response.context["page"].number == 1

    def test_page_past_the_end_shows_the_last_page_with_a_notice(self, client, havel):
        RecordFactory.create_batch(21, title="Chroniques martiennes")

        response = client.get(
            SEARCH, {"q": "martiennes", "page": 7}, headers={"accept-language": "en"}
        )

        assert response.context["page"].number == 2
        assert "There is no page 7: here is page 2, the last one." in response.text

    def test_post_is_refused(self, client):
        assert client.post(SEARCH, {"q": "x"}).status_code == 405


class TestRecordPage:
    def test_details(self, client, mousquetaires):
        response = client.get(f"/catalog/{mousquetaires.pk}/", headers={"accept-language": "en"})

        assert response.status_code == 200
        for expected in (
            "Les Trois Mousquetaires",
            "Dumas, Alexandre",
            "Gallimard",
            "1844",
            "French",
            "9782070417681",
            "Roman historique",
            "D&#x27;Artagnan monte à Paris.",
            "Book",
        ):
            assert expected in response.text

    def test_language_name_in_french(self, client, mousquetaires):
        response = client.get(f"/catalog/{mousquetaires.pk}/")

        assert "<dd>Français</dd>" in response.text

    def test_unknown_record_is_404(self, client):
        assert client.get("/catalog/999999/").status_code == 404
        assert client.get("/catalog/abc/").status_code == 404

    def test_availability_per_click_and_collect_branch(self, client, mousquetaires, havel):
        ItemFactory(record=mousquetaires, branch=havel, status=Item.Status.ON_LOAN)
        empty = BranchFactory(code="empty", name="Bibliothèque vide")
        ItemFactory(record=mousquetaires, branch=empty, status=Item.Status.ON_LOAN)
        closed = BranchFactory(code="closed", name="Fermée", click_and_collect_enabled=False)
        ItemFactory(record=mousquetaires, branch=closed)
        BranchFactory(code="none", name="Sans exemplaire")

        response = client.get(f"/catalog/{mousquetaires.pk}/", headers={"accept-language": "en"})

        branches = response.context["branches"]
        assert [(b.name, b.copies, b.copies_on_shelf) for b in branches] == [
            ("Václav Havel", 3, 2),
            ("Bibliothèque vide", 1, 0),
        ]
        assert "2 copies on the shelf" in response.text
        assert "R DUM" in response.text
        assert "Fermée" not in response.text and "Sans exemplaire" not in response.text

    def test_nearest_branch_first_from_a_postcode(self, client, mousquetaires, havel):
        south = BranchFactory(
            code="south", name="Aaa Sud", latitude=Decimal("48.82"), longitude=Decimal("2.33")
        )
        ItemFactory(record=mousquetaires, branch=south)
        PostcodeArea.objects.create(
            postcode="75014", latitude=Decimal("48.83"), longitude=Decimal("2.32")
        )

        near_south = client.get(
            f"/catalog/{mousquetaires.pk}/",
            {"postcode": "75014"},
            headers={"accept-language": "en"},
        )
        near_havel = client.get(f"/catalog/{mousquetaires.pk}/", {"lat": "48.89", "lon": "2.36"})

        assert [b.code for b in near_south.context["branches"]] == ["south", "havel"]
        assert near_south.context["branches"][0].distance_km < 2
        assert "km away" in near_south.text
        assert "Nearest first from postcode 75014." in near_south.text
        assert [b.code for b in near_havel.context["branches"]] == ["havel", "south"]

    def test_home_branch_is_the_position_of_a_signed_in_patron(self, client, mousquetaires, havel):
        south = BranchFactory(
            code="south", name="Zzz Sud", latitude=Decimal("48.82"), longitude=Decimal("2.33")
        )
        ItemFactory(record=mousquetaires, branch=south)
        client.force_login(PatronFactory(home_branch=south))

        response = client.get(f"/catalog/{mousquetaires.pk}/")

        assert [b.code for b in response.context["branches"]] == ["south", "havel"]

    def test_unknown_or_bad_postcode_says_so(self, client, mousquetaires):
        unknown = client.get(
            f"/catalog/{mousquetaires.pk}/",
            {"postcode": "99999"},
            headers={"accept-language": "en"},
        )
        bad = client.get(f"/catalog/{mousquetaires.pk}/", {"postcode": "<b>x</b>" * 50})

        assert "We do not know this postcode" in unknown.text
        assert bad.status_code == 200
        assert "<b>x</b>" not in bad.text

    def test_add_to_basket_form(self, client, mousquetaires):
        response = client.get(f"/catalog/{mousquetaires.pk}/", {"postcode": "75018"})

        text = response.text
        assert 'action="/basket/add/"' in text and 'method="post"' in text
        assert f'name="record" value="{mousquetaires.pk}"' in text
        assert f'name="next" value="/catalog/{mousquetaires.pk}/?postcode=75018"' in text
        assert "csrfmiddlewaretoken" in text

    def test_type_not_reservable_online_has_no_basket_button(self, client, havel):
        magazine = DocumentTypeFactory(
            code="magazine", name_fr="Revue", name_en="Magazine", reservable_online=False
        )
        record = RecordFactory(document_type=magazine)
        ItemFactory(record=record, branch=havel)

        response = client.get(f"/catalog/{record.pk}/", headers={"accept-language": "en"})

        assert 'action="/basket/add/"' not in response.text
        assert "cannot be reserved online" in response.text

    def test_no_copy_on_the_shelf_has_no_basket_button(self, client, havel):
        record = RecordFactory()
        ItemFactory(record=record, branch=havel, status=Item.Status.ON_LOAN)

        response = client.get(f"/catalog/{record.pk}/", headers={"accept-language": "en"})

        assert 'action="/basket/add/"' not in response.text
        assert "No copy is on the shelf" in response.text

    def test_constant_number_of_queries(self, client, mousquetaires, django_assert_num_queries):
        for number in range(5):
            ItemFactory(record=mousquetaires, branch=BranchFactory(code=f"b{number}"))
        # The record, its branches with their counts.
        with django_assert_num_queries(2):
            response = client.get(f"/catalog/{mousquetaires.pk}/")

        assert len(response.context["branches"]) == 6
