"""The search results, rendered once per search and kept a while (catalog/results_cache.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Item
from tests.factories import BranchFactory, ItemFactory, PatronFactory, RecordFactory

pytestmark = pytest.mark.django_db

SEARCH = "/catalog/"


@pytest.fixture
def dune():
    record = RecordFactory(title="Dune", creators="Herbert, Frank")
    ItemFactory.create_batch(2, record=record, branch=BranchFactory(code="havel"))
    return record


def _search(client, **params):
    """Return the page and how many SQL queries it cost."""
    headers = {"accept-language": params.pop("language_header", "fr")}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, params, headers=headers)
    assert response.status_code == 200
    return response.text, len(queries)


def test_the_same_search_again_is_served_from_the_cache(client, dune):
    first, first_queries = _search(client, q="dune")
    Item.objects.filter(record=dune).update(status=Item.Status.HELD)
    again, again_queries = _search(client, q="dune")

    assert "2 exemplaires en rayon" in first
    # Neither the filters' lists, the count, the page nor the copies on the shelf were
    # asked again...
    assert again_queries == first_queries - 5
    # ...so the shelf is as it was a moment ago (the record page reads it live).
    assert "2 exemplaires en rayon" in again
    record_page = client.get(f"/catalog/{dune.pk}/").text
    assert "2 exemplaires en rayon" not in record_page


def test_with_the_cache_off_every_search_reads_the_shelf(client, settings, dune):
    settings.SEARCH_RESULTS_CACHE_SECONDS = 0
    _search(client, q="dune")
    Item.objects.filter(record=dune).update(status=Item.Status.HELD)

    again, _queries = _search(client, q="dune")

    assert "Aucun exemplaire en rayon pour le moment" in again


def test_each_language_has_its_own_results(client, dune):
    _search(client, q="dune")

    english, _queries = _search(client, q="dune", language_header="en")

    assert "2 copies on the shelf" in english
    assert "exemplaires" not in english


def test_another_query_filter_or_page_is_another_search(client, dune):
    RecordFactory(title="Les Enfants de Dune")
    _search(client, q="dune")

    other_query, _ = _search(client, q="enfants")
    filtered, _ = _search(client, q="dune", branch="havel")
    second_page, _ = _search(client, q="dune", page="2")

    assert "Les Enfants de Dune" in other_query
    assert "Les Enfants de Dune" not in filtered  # no copy at Havel
    assert "Il n’y a pas de page 2" in second_page


def test_odd_page_numbers_are_answered_fresh_and_not_kept(client, dune):
    _search(client, q="dune", page="abc")
    _, fresh_queries = _search(client, q="dune", page="abc")
    _search(client, q="dune")
    _, cached_queries = _search(client, q="dune")

    assert fresh_queries == cached_queries + 3


def test_the_results_hold_nothing_of_the_patron_who_searched_first(client, dune):
    patron = PatronFactory(first_name="Clémentine", last_name="Vasseur")
    client.force_login(patron)
    signed_in, _ = _search(client, q="dune")
    client.logout()

    anonymous, _queries = _search(client, q="dune")

    assert "Clémentine" in signed_in  # the header's greeting, outside the cached section
    assert "Clémentine" not in anonymous
    assert "Dune" in anonymous


def test_pagination_links_carry_the_search_only(client):
    RecordFactory.create_batch(21, title="Chroniques martiennes")

    page, _ = _search(client, q="martiennes", type="book", utm_source="newsletter")
    results = page[page.index('<section class="section search-results"') :]

    assert 'href="?q=martiennes&amp;type=book&amp;page=2"' in results
    # Another patron's tracking parameters never reach the shared section.
    assert "newsletter" not in results[: results.index("</section>")]


def test_the_filters_lists_come_from_the_cache_and_a_value_sent_is_checked_live(client, dune):
    _search(client, q="dune")
    italie = BranchFactory(code="italie", name="Bibliothèque Italie")
    ItemFactory(record=RecordFactory(title="Dune Messiah"), branch=italie)

    listed, _queries = _search(client, q="messiah")
    filtered, _queries = _search(client, q="dune", branch="italie")

    # The library opened a moment ago is not listed yet (SEARCH_RESULTS_CACHE_SECONDS)...
    assert 'value="italie"' not in listed
    # ...but a search on it is valid: the value is checked against the database.
    assert "Bibliothèque inconnue" not in filtered
    assert "Dune Messiah" in filtered


def test_the_filters_lists_are_per_language_and_fresh_with_the_cache_off(client, settings, dune):
    french, _queries = _search(client, q="dune")
    english, _queries = _search(client, q="dune", language_header="en")
    settings.SEARCH_RESULTS_CACHE_SECONDS = 0
    BranchFactory(code="italie", name="Bibliothèque Italie")
    fresh, _queries = _search(client, q="dune")

    book = dune.document_type
    assert f'<option value="{book.code}">{book.name_fr}</option>' in french
    assert f'<option value="{book.code}">{book.name_en}</option>' in english
    assert 'value="italie"' in fresh
