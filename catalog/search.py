"""Search the catalogue: one page of ranked records, with the copies on the shelf.

On PostgreSQL (migration 0002):

1. full-text search on the stored ``search_vector`` (French stemming, accents
   ignored, title > creators > subjects > publisher), ranked by ``ts_rank``;
2. when full text finds nothing (a misspelt word, "harri poter"), each word
   the catalogue does not know is replaced by its closest known word (pg_trgm
   similarity against the lexicon ``catalog_search_word``) and step 1 runs
   again with the corrected query.

Elsewhere (SQLite, the embedded default) ``simple_search`` stands in: every
word of the query must appear in the title, the creators or the subjects.

A page costs a constant number of queries, whatever its size: the capped
count, the page of records, then one grouped count of the copies on the shelf
for the page's ids. Counting stops at ``COUNT_CAP``: past it the page says
"more than 1,000 results", which keeps a very common word as fast as a rare one.
"""

import math
import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Count, Exists, FloatField, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from branches.models import Branch

from .models import DocumentType, Item, ItemStatus, Record

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
# Count at most this many hits: "more than 1,000 results" is all a patron needs to know.
COUNT_CAP = 1000
# Weights of ts_rank, in PostgreSQL's order {D, C, B, A}: publisher, subjects, creators, title.
RANK_WEIGHTS = "{0.05, 0.2, 0.5, 1.0}"

TSQUERY = "websearch_to_tsquery('public.cc_french'::regconfig, %s)"


@dataclass(frozen=True)
class SearchFilters:
    document_type: DocumentType | None = None
    language: str = ""
    branch: Branch | None = None


@dataclass
class SearchPage:
    """One page of results, ready for the template."""

    query: str
    hits: list[Record] = field(default_factory=list)
    # Hits counted, at most COUNT_CAP (+1 when there are more).
    count: int = 0
    number: int = 1
    page_size: int = PAGE_SIZE
    # "fulltext", "fuzzy" (close spellings), "simple" (SQLite) or "" (no query).
    mode: str = ""
    # In "fuzzy" mode, the query as corrected ("harri poter" -> "harry potter").
    corrected_query: str = ""
    # The page asked for did not exist: this is the last page instead.
    page_out_of_range: bool = False

    @property
    def count_is_capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(min(self.count, COUNT_CAP) / self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.hits else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.page_size + len(self.hits)


def search_records(
    *,
    query: str,
    filters: SearchFilters = SearchFilters(),  # noqa: B008 (frozen: safe as a default)
    page_number: int = 1,
    page_size: int = PAGE_SIZE,
) -> SearchPage:
    """Return one page of the records matching the query, best first.

    An empty query returns an empty page without touching the database: listing
    a million records in title order would cost seconds and help no one.
    """
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    page = SearchPage(query=query, page_size=page_size)
    if not query:
        return page
    if connection.vendor == "postgresql":
        return _postgresql_search(page, filters, page_number)
    return _fill_page(page, simple_search(query, filters), page_number, mode="simple")


def simple_search(query: str, filters: SearchFilters = SearchFilters()) -> QuerySet[Record]:  # noqa: B008
    """Return the records whose title, creators or subjects contain every word (any database).

    The fallback of SQLite: case-insensitive, not accent-insensitive, ordered
    by title.
    """
    records = _filtered(Record.objects.all(), filters)
    for word in query.split()[:20]:
        records = records.filter(
            Q(title__icontains=word) | Q(creators__icontains=word) | Q(subjects__icontains=word)
        )
    return records.order_by("title", "pk")


def fulltext_search(
    query: str,
    filters: SearchFilters = SearchFilters(),  # noqa: B008
    *,
    ranked: bool = True,
    candidates: int | None = None,
) -> QuerySet[Record]:
    """Return the records matching the query's words (PostgreSQL), best rank first.

    Ranking reads the search vector of every hit: for a word that a third of
    the catalogue uses, hundreds of thousands of rows. With ``candidates``,
    only the first ``candidates`` hits with the words in their title and the
    first ``candidates`` hits anywhere are ranked: the best of those are the
    title matches, which is what the patron is looking for, and the count
    already says "more than 1,000".
    """
    # The SQL of these RawSQL is constant; the patron's words only travel as parameters.
    matches = RawSQL(f"search_vector @@ {TSQUERY}", (query,), output_field=BooleanField())  # noqa: S611
    records = _filtered(Record.objects.filter(matches), filters)
    if candidates:
        in_title = RawSQL(  # noqa: S611
            f"to_tsvector('public.cc_french'::regconfig, title) @@ {TSQUERY}",
            (query,),
            output_field=BooleanField(),
        )
        title_hits = _filtered(Record.objects.filter(in_title), filters)
        records = Record.objects.filter(
            pk__in=title_hits.order_by()
            .values("pk")[:candidates]
            .union(records.order_by().values("pk")[:candidates])
        )
    if not ranked:
        return records.order_by()
    rank = RawSQL(  # noqa: S611
        f"ts_rank(%s::float4[], search_vector, {TSQUERY})",
        (RANK_WEIGHTS, query),
        output_field=FloatField(),
    )
    return records.annotate(rank=rank).order_by("-rank", "pk")


def corrected_query(query: str) -> str:
    """Return the query with each word the catalogue does not know replaced by its closest word.

    One query against the lexicon ``catalog_search_word`` (PostgreSQL): ``%``
    finds the words sharing enough trigrams with the misspelt one (pg_trgm's
    similarity_threshold, 0.3), the most similar wins, then the most used.
    Words of fewer than 3 letters are left as they are. The result is lower
    case and without accents, as the lexicon is.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT folded.text, typed.word, (
                SELECT known.word FROM catalog_search_word known
                WHERE known.word %% typed.word
                ORDER BY similarity(known.word, typed.word) DESC, known.records DESC, known.word
                LIMIT 1
            )
            FROM (SELECT public.cc_unaccent(lower(%s)) AS text) AS folded,
                unnest(tsvector_to_array(to_tsvector('pg_catalog.simple'::regconfig, folded.text)))
                AS typed(word)
            WHERE length(typed.word) >= 3
            """,
            (query,),
        )
        rows = cursor.fetchall()
    if not rows:
        return query
    corrected = rows[0][0]
    for _folded, typed, known in rows:
        if known and known != typed:
            corrected = re.sub(rf"(?<!\w){re.escape(typed)}(?!\w)", known, corrected)
    return corrected


def copies_on_shelf(record_ids: list[int]) -> dict[int, int]:
    """Return, per record, the copies on the shelf at click & collect branches (one query)."""
    if not record_ids:
        return {}
    rows = (
        Item.objects.filter(
            record_id__in=record_ids,
            status=ItemStatus.AVAILABLE,
            branch__click_and_collect_enabled=True,
        )
        .values("record_id")
        .annotate(copies=Count("pk"))
        .order_by()
    )
    return {row["record_id"]: row["copies"] for row in rows}


def _postgresql_search(page: SearchPage, filters: SearchFilters, page_number: int) -> SearchPage:
    mode, query = "fulltext", page.query
    count = _capped_count(fulltext_search(query, filters, ranked=False))
    if not count:
        # Nothing matched word for word: try the closest spellings of the words.
        corrected = corrected_query(query)
        if corrected.casefold() == query.casefold():
            page.mode = "fuzzy"
            return page
        mode, query = "fuzzy", corrected
        count = _capped_count(fulltext_search(query, filters, ranked=False))
        page.corrected_query = corrected
    records = fulltext_search(query, filters, candidates=COUNT_CAP if count > COUNT_CAP else None)
    return _fill_page(page, records, page_number, mode=mode, count=count)


def _fill_page(
    page: SearchPage,
    records: QuerySet[Record],
    page_number: int,
    *,
    mode: str,
    count: int | None = None,
) -> SearchPage:
    page.mode = mode
    page.count = _capped_count(records) if count is None else count
    page.number = max(1, page_number)
    if page.number > page.num_pages:
        page.number, page.page_out_of_range = page.num_pages, True
    offset = (page.number - 1) * page.page_size
    hits = list(
        records.select_related("document_type").only(
            "title",
            "creators",
            "year",
            "language",
            "document_type__code",
            "document_type__name_fr",
            "document_type__name_en",
            "document_type__reservable_online",
        )[offset : min(offset + page.page_size, COUNT_CAP)]
    )
    shelf = copies_on_shelf([hit.pk for hit in hits])
    for hit in hits:
        hit.copies_on_shelf = shelf.get(hit.pk, 0)
    page.hits = hits
    return page


def _capped_count(records: QuerySet[Record]) -> int:
    """Count the records, stopping at COUNT_CAP + 1."""
    # Ordering by rank would make PostgreSQL rank every hit just to count them.
    return records.order_by().values("pk")[: COUNT_CAP + 1].count()


def _filtered(records: QuerySet[Record], filters: SearchFilters) -> QuerySet[Record]:
    if filters.document_type is not None:
        records = records.filter(document_type=filters.document_type)
    if filters.language:
        records = records.filter(language=filters.language)
    if filters.branch is not None:
        records = records.filter(
            Exists(
                Item.objects.filter(
                    record=OuterRef("pk"),
                    branch=filters.branch,
                    status=ItemStatus.AVAILABLE,
                )
            )
        )
    return records
