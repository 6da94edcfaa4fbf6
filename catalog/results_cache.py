"""The search page's results, rendered once a minute per search rather than per patron.

In a rush most patrons type the same titles, and a page of results costs
more than the rest of the page together (the search, the copies on the
shelf, twenty hits rendered). The results section holds nothing personal (the
header, with the basket and the patron's name, is outside it), so the HTML is
kept in the shared cache under the language, the search and the page number,
for SEARCH_RESULTS_CACHE_SECONDS (60 by default; 0 turns it off). The price
is that "2 copies on the shelf" may be up to that old; the record page, the
basket and checkout read the shelf live, so no one can order a copy that has
gone.

Only normal page numbers are cached: `?page=abc` or `?page=007` is answered
fresh, so odd URLs do not multiply the entries. Each entry is a few kB, so the
cache grows at most by (requests per second x the time-out x a few kB).
"""

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.utils.translation import get_language

from .search import SearchFilters, search_records

TEMPLATE = "catalog/includes/search_results.html"


def results_section(query: str, filters: SearchFilters, requested_page: str) -> str:
    """Return the results section's HTML, from the cache when the same search was just made."""
    page_number = _page_number(requested_page)
    timeout = settings.SEARCH_RESULTS_CACHE_SECONDS
    cacheable = timeout > 0 and requested_page in ("", str(page_number))
    key = _key(query, filters, page_number) if cacheable else None
    if key and (html := cache.get(key)) is not None:
        return html
    html = render_to_string(
        TEMPLATE,
        {
            "page": search_records(query=query, filters=filters, page_number=page_number),
            "requested_page": requested_page,
            "page_query": _query_string(query, filters),
        },
    )
    if key:
        cache.set(key, html, timeout)
    return html


def _page_number(value: str) -> int:
    """Return the page asked for; anything that is not a positive number means the first."""
    try:
        return max(1, int(value or 1))
    except (TypeError, ValueError):
        return 1


def _query_string(query: str, filters: SearchFilters) -> str:
    """Return the search as a query string for the pages' links, page number left out."""
    parameters = {
        "q": query,
        "type": filters.document_type.code if filters.document_type else "",
        "language": filters.language,
        "branch": filters.branch.code if filters.branch else "",
    }
    return urlencode({name: value for name, value in parameters.items() if value})


def _key(query: str, filters: SearchFilters, page_number: int) -> str:
    search = json.dumps([_query_string(query, filters), page_number])
    digest = hashlib.sha256(search.encode()).hexdigest()
    return f"catalog:results:{get_language()}:{digest}"
