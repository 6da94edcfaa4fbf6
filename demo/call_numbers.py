"""Give demo copies call numbers that look like a French public library's.

The rule is deliberately simple: an optional "J" for the youth collection, a
section, then the first letters of the author's surname ("R DUM", "J BD SAI",
"CD J ALD"); films are shelved by title ("DVD J TOTO").
"""

import re

from .sources import CD, DVD, SourceRecord, fold

FICTION = "R"
_LEADING_ARTICLES = frozenset(
    {"a", "an", "the", "le", "la", "les", "l", "un", "une", "des", "du", "de", "d"}
    | {"el", "il", "lo", "los", "las", "der", "die", "das"}
)


def call_number_for(record: SourceRecord) -> str:
    """Return the shelf mark of a record's copies."""
    youth = "J" if record.youth else ""
    if record.document_type == DVD:
        parts = ["DVD", youth, _title_key(record.title, 4)]
    elif record.document_type == CD:
        parts = ["CD", youth, _author_key(record)]
    else:
        parts = [youth, record.kind or FICTION, _author_key(record)]
    return " ".join(part for part in parts if part)


def _author_key(record: SourceRecord) -> str:
    return _letters(record.surname, 3) or _title_key(record.title, 3)


def _title_key(title: str, length: int) -> str:
    words = [fold(word) for word in re.split(r"[\s'’]+", title)]
    words = [word for word in words if word]
    significant = [word for word in words if word not in _LEADING_ARTICLES] or words
    return _letters(significant[0], length) if significant else "XXX"


def _letters(text: str, length: int) -> str:
    return fold(text)[:length].upper()
