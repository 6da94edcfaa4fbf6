"""catalog.search: ranking, accents, typos, filters, pages, counts and the SQLite fallback."""

import pytest
from django.db import connection

from catalog import search
from catalog.models import Item
from catalog.search import (
    SearchFilters,
    copies_on_shelf,
    corrected_query,
    search_records,
    simple_search,
)
from tests.factories import BranchFactory, DocumentTypeFactory, ItemFactory, RecordFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text and trigram search need PostgreSQL"
)


@pytest.fixture
def shelf():
    """A small catalogue of well-known titles, one copy on the shelf of each."""
    branch = BranchFactory(code="havel")
    records = {
        "ecume": RecordFactory(title="L'Écume des jours", creators="Vian, Boris"),
        "mousquetaires": RecordFactory(
            title="Les Trois Mousquetaires", creators="Dumas, Alexandre"
        ),
        "potter": RecordFactory(
            title="Harry Potter à l'école des sorciers", creators="Rowling, J. K."
        ),
        "etranger": RecordFactory(title="L'Étranger", creators="Camus, Albert"),
    }
    for record in records.values():
        ItemFactory(record=record, branch=branch)
    return records


def titles(page) -> list[str]:
    return [hit.title for hit in page.hits]


@postgresql_only
class TestFullText:
    def test_title_match_ranks_above_subject_only_match(self):
        subject_only = RecordFactory(title="Chroniques du Mississippi", subjects="Jazz ; Blues")
        in_title = RecordFactory(title="Le jazz et la java", subjects="Chanson française")

        page = search_records(query="jazz")

        assert [hit.pk for hit in page.hits] == [in_title.pk, subject_only.pk]
        assert page.mode == "fulltext"

    def test_creator_match_ranks_above_subject_match(self):
        subject = RecordFactory(title="Une vie", subjects="Camus, Albert -- Biographie")
        creator = RecordFactory(title="La Peste", creators="Camus, Albert")

        assert [hit.pk for hit in search_records(query="camus").hits][:2] == [
            creator.pk,
            subject.pk,
        ]

    def test_accents_are_ignored_both_ways(self, shelf):
        assert titles(search_records(query="ecume")) == ["L'Écume des jours"]
        assert titles(search_records(query="ÉTRANGER")) == ["L'Étranger"]
        assert titles(search_records(query="écume des jours")) == ["L'Écume des jours"]

    def test_french_stemming_matches_plural_and_singular(self, shelf):
        assert titles(search_records(query="mousquetaire")) == ["Les Trois Mousquetaires"]

    def test_every_word_must_match(self, shelf):
        assert titles(search_records(query="dumas mousquetaires")) == ["Les Trois Mousquetaires"]

    def test_quotes_and_minus_of_web_search_syntax_work(self, shelf):
        assert titles(search_records(query='"trois mousquetaires" -vian')) == [
            "Les Trois Mousquetaires"
        ]


@postgresql_only
class TestTypos:
    """Misspelt words are corrected against the catalogue's lexicon, then searched again."""

    def test_misspelt_author_finds_the_record(self, shelf):
        page = search_records(query="dumsa")

        assert page.mode == "fuzzy"
        assert titles(page)[0] == "Les Trois Mousquetaires"

    def test_misspelt_title_words_find_the_record(self, shelf):
        page = search_records(query="harri poter")

        assert page.mode == "fuzzy"
        assert titles(page)[0] == "Harry Potter à l'école des sorciers"

    def test_misspelt_and_accentless(self, shelf):
        assert titles(search_records(query="ecume des jour"))[0] == "L'Écume des jours"

    def test_gibberish_finds_nothing(self, shelf):
        page = search_records(query="zzqxw")

        assert page.hits == []
        assert page.count == 0

    def test_corrected_query_is_given(self, shelf):
        page = search_records(query="Harri Poter")

        assert page.corrected_query == "harry potter"

    def test_known_words_are_not_corrected(self, shelf):
        assert corrected_query("dumas mousquetaires") == "dumas mousquetaires"
        assert corrected_query("dumas mousquetaire") == "dumas mousquetaires"
        assert corrected_query("L'Écume") == "l'ecume"

    def test_new_and_updated_records_feed_the_lexicon(self):
        record = RecordFactory(title="Zazie dans le métro", creators="Queneau, Raymond")
        assert corrected_query("quenau") == "queneau"

        record.title = "Exercices de style"
        record.save()
        assert corrected_query("exercises") == "exercices"


class TestFilters:
    """Run on both databases (the SQLite suite covers the fallback)."""

    def test_document_type(self, shelf):
        dvd = DocumentTypeFactory(code="dvd", name_fr="DVD", name_en="DVD")
        film = RecordFactory(title="Les Trois Mousquetaires (film)", document_type=dvd)

        page = search_records(query="mousquetaires", filters=SearchFilters(document_type=dvd))

        assert [hit.pk for hit in page.hits] == [film.pk]

    def test_language(self, shelf):
        english = RecordFactory(title="The Three Musketeers mousquetaires", language="eng")

        page = search_records(query="mousquetaires", filters=SearchFilters(language="eng"))

        assert [hit.pk for hit in page.hits] == [english.pk]

    def test_available_at_a_branch_needs_a_copy_on_its_shelf(self, shelf):
        other = BranchFactory(code="other")
        on_shelf = RecordFactory(title="Mousquetaires au couvent")
        on_loan = RecordFactory(title="Vingt ans après, mousquetaires")
        ItemFactory(record=on_shelf, branch=other)
        ItemFactory(record=on_loan, branch=other, status=Item.Status.ON_LOAN)

        page = search_records(query="mousquetaires", filters=SearchFilters(branch=other))

        assert [hit.pk for hit in page.hits] == [on_shelf.pk]


class TestPages:
    def test_empty_query_touches_no_table(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            page = search_records(query="   ")

        assert page.hits == [] and page.mode == ""

    def test_pages_of_twenty(self):
        RecordFactory.create_batch(45, title="Chroniques martiennes")

        first = search_records(query="martiennes")
        last = search_records(query="martiennes", page_number=3)

        assert (len(first.hits), first.count, first.num_pages) == (20, 45, 3)
        assert (first.start_index, first.end_index, first.has_next) == (1, 20, True)
        assert (len(last.hits), last.start_index, last.has_next) == (5, 41, False)
        assert {hit.pk for hit in first.hits}.isdisjoint(hit.pk for hit in last.hits)

    def test_page_past_the_end_gives_the_last_page(self):
        RecordFactory.create_batch(21, title="Chroniques martiennes")

        page = search_records(query="martiennes", page_number=99)

        assert (page.number, page.page_out_of_range, len(page.hits)) == (2, True, 1)

    def test_count_stops_at_the_cap(self, monkeypatch):
        monkeypatch.setattr(search, "COUNT_CAP", 5)
        RecordFactory.create_batch(8, title="Chroniques martiennes")

        page = search_records(query="martiennes", page_size=2)

        assert page.count == 6 and page.count_is_capped
        assert page.num_pages == 3

    def test_long_query_is_cut(self, shelf):
        page = search_records(query="mousquetaires " + "x" * 2000)

        assert len(page.query) == search.MAX_QUERY_LENGTH

    def test_sql_in_the_query_is_only_text(self, shelf):
        page = search_records(query="'; DROP TABLE catalog_record; -- ) & | ! :*")

        assert page.hits == [] or page.mode
        assert search_records(query="jours").count == 1

    def test_queries_do_not_grow_with_the_page(self, django_assert_num_queries):
        branch = BranchFactory()
        for record in RecordFactory.create_batch(25, title="Chroniques martiennes"):
            ItemFactory.create_batch(2, record=record, branch=branch)
        # The capped count, the page, the copies on the shelf.
        with django_assert_num_queries(3):
            page = search_records(query="martiennes")

        assert [hit.copies_on_shelf for hit in page.hits] == [2] * 20


@postgresql_only
class TestQueriesOnPostgresql:
    @pytest.fixture
    def martians(self):
        branch = BranchFactory()
        for record in RecordFactory.create_batch(25, title="Chroniques martiennes"):
            ItemFactory.create_batch(2, record=record, branch=branch)

    def test_misspelt_query_costs_two_more_queries(self, martians, django_assert_num_queries):
        # Count (none), correction, count, page, copies on the shelf.
        with django_assert_num_queries(5):
            page = search_records(query="chroniqes martienes")

        assert page.mode == "fuzzy" and len(page.hits) == 20

    def test_common_word_ranks_a_bounded_set_with_title_matches_first(
        self, monkeypatch, django_assert_num_queries
    ):
        monkeypatch.setattr(search, "COUNT_CAP", 10)
        RecordFactory.create_batch(30, title="Chroniques", subjects="Martiennes")
        in_title = RecordFactory(title="Les Martiennes", subjects="Roman")
        # Count, page (of the capped candidates), copies on the shelf.
        with django_assert_num_queries(3):
            page = search_records(query="martiennes")

        assert page.count_is_capped
        assert len(page.hits) == 10
        assert page.hits[0].pk == in_title.pk


class TestCopiesOnShelf:
    def test_counts_only_available_copies_at_click_and_collect_branches(self):
        record = RecordFactory()
        closed = BranchFactory(click_and_collect_enabled=False)
        ItemFactory.create_batch(2, record=record)
        ItemFactory(record=record, status=Item.Status.ON_LOAN)
        ItemFactory(record=record, branch=closed)

        assert copies_on_shelf([record.pk, 0]) == {record.pk: 2}

    def test_no_ids_no_query(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert copies_on_shelf([]) == {}


class TestSimpleSearch:
    """The SQLite fallback, run directly so that it is tested on PostgreSQL too."""

    def test_every_word_in_title_creators_or_subjects(self, shelf):
        RecordFactory(title="Vingt ans après", creators="Dumas, Alexandre", subjects="Roman")

        assert list(simple_search("dumas MOUSQUETAIRES").values_list("title", flat=True)) == [
            "Les Trois Mousquetaires"
        ]
        assert simple_search("roman dumas").count() == 1

    def test_filters_apply(self, shelf):
        dvd = DocumentTypeFactory(code="dvd", name_fr="DVD", name_en="DVD")

        assert not simple_search("dumas", SearchFilters(document_type=dvd)).exists()
        assert simple_search("dumas", SearchFilters(language="fre")).count() == 1
