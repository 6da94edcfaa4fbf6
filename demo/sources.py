"""Read the real bibliographic records shipped in ``demo/data/``.

Four open datasets (see ``data/NOTICE.md``): the Paris lending libraries'
most loaned titles, the Toulouse library's top loans (CDs, films, print),
goodbooks-10k and the Shakespeare and Company lending library. Each reader
streams its file with the csv module and yields ``SourceRecord`` objects;
``read_real_records`` interleaves and deduplicates them.
"""

import csv
import functools
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

BOOK, CD, DVD = "book", "cd", "dvd"

MAX_TITLE = 500
MAX_CREATORS = 500
MAX_PUBLISHER = 255


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One real record, as read from a source file."""

    identifier: str
    document_type: str  # BOOK, CD or DVD
    title: str
    creators: str = ""
    surname: str = ""  # the first creator's surname, for call numbers and deduplication
    publisher: str = ""
    year: int | None = None
    language: str = ""
    isbn: str = ""
    subjects: str = ""
    summary: str = ""
    youth: bool = False
    kind: str = ""  # shelf section: "BD", "RP", "POE", "TH", "DOC", "A" or "" (fiction)


@functools.cache
def read_real_records(data_dir: Path = DATA_DIR) -> tuple[SourceRecord, ...]:
    """Return the records of every source, interleaved and without duplicates.

    The files are read once per process (a few tenths of a second).

    Interleaving (one record of each stream in turn) gives any prefix of the
    list a mix of sources and of books, CDs and DVDs, so that a small
    ``--records`` still shows every kind of document.
    """
    toulouse = list(read_toulouse(data_dir / "toulouse_top_loans_2011_2022.csv"))
    streams = [
        read_paris(data_dir / "paris_top_loans_les_titres_les_plus_pretes.csv"),
        (record for record in toulouse if record.document_type == CD),
        (record for record in toulouse if record.document_type == DVD),
        (record for record in toulouse if record.document_type == BOOK),
        read_goodbooks(data_dir / "goodbooks10k_books.csv"),
        read_shakespeare_and_co(data_dir / "shakespeare_and_co_books.csv"),
    ]
    return tuple(_unique(_round_robin(streams)))


def _round_robin(streams: list[Iterable[SourceRecord]]) -> Iterator[SourceRecord]:
    sentinel = object()
    for batch in itertools.zip_longest(*streams, fillvalue=sentinel):
        yield from (record for record in batch if record is not sentinel)


def _unique(records: Iterable[SourceRecord]) -> Iterator[SourceRecord]:
    """Drop a record already seen with the same type, title and first creator."""
    seen: set[tuple[str, str, str]] = set()
    for record in records:
        key = (record.document_type, fold(record.title), fold(record.surname))
        if key in seen:
            continue
        seen.add(key)
        yield record


# Paris: "les titres les plus prêtés" -----------------------------------------

PARIS_TYPES = {
    "Bande dessinée jeunesse": (BOOK, True, "BD"),
    "BD adulte": (BOOK, False, "BD"),
    "Livre jeunesse": (BOOK, True, ""),
    "Livre pour adulte": (BOOK, False, ""),
    "Livre sonore jeunesse": (BOOK, True, "A"),
    "DVD jeunesse": (DVD, True, ""),
    "Enregistrement musical": (CD, False, ""),
}  # "jeux" (board games) are not one of the seeded document types.

# Loan conditions glued to some DVD titles by the library system.
_PARIS_TITLE_NOISE = re.compile(
    r"\s*:\s*\(?(?:sous réserve de disponibilité|droit de prêt(?: seulement)?)\)?\s*$",
    re.IGNORECASE,
)


def read_paris(path: Path) -> Iterator[SourceRecord]:
    """Yield the Paris top loans (';'-separated, no ISBN, year or language)."""
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file, delimiter=";"):
            document_type = PARIS_TYPES.get(row["Type de document"])
            if document_type is None:
                continue
            type_code, youth, kind = document_type
            title = clean_title(_PARIS_TITLE_NOISE.sub("", row["Titre"]))
            if not title:
                continue
            creators = row["Auteur"].strip()
            yield SourceRecord(
                identifier=f"paris:{int(float(row['Rang']))}",
                document_type=type_code,
                title=title,
                creators=creators[:MAX_CREATORS],
                surname=_surname_of_inverted(creators),
                # The list comes from Paris's French-language lending collections.
                language="fre",
                subjects=row["Type de document"],
                youth=youth,
                kind=kind,
            )


# Toulouse: top 500 CDs, films and print items, 2011-2022 -------------------------

TOULOUSE_MEDIA = {"cd": CD, "film": DVD, "print": BOOK}
TOULOUSE_CATEGORIES = {
    "BD": ("Bande dessinée", "BD"),
    "ROM": ("Roman", ""),
    "POL": ("Roman policier", "RP"),
    "SF": ("Science-fiction", ""),
    "ALB": ("Album", "A"),
    "CONTE": ("Conte", ""),
    "LIVDOC": ("Documentaire", "DOC"),
    "METLAN": ("Méthode de langue", "DOC"),
    "TE": ("Théâtre", "TH"),
    "LIVCD": ("Livre-CD", "A"),
    "DVDFIC": ("Film de fiction", ""),
    "DVDDOC": ("Film documentaire", "DOC"),
    "CD": ("Musique", ""),
}
_PUBLICATION = re.compile(r":\s*(?P<publisher>[^,\[]+?)\s*(?:,|\[|\d{4}|$)")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")


def read_toulouse(path: Path) -> Iterator[SourceRecord]:
    """Yield the Toulouse top loans once each, without periodicals."""
    seen: set[tuple[str, str, str]] = set()
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            key = (row["media"], row["title"], row["author"])
            if key in seen or _is_periodical(row):
                continue
            seen.add(key)
            title = clean_title(row["title"])
            if not title:
                continue
            creators = _strip_dates(row["author"])
            subject, kind = TOULOUSE_CATEGORIES.get(row["category"], ("", ""))
            if not kind and row["indice"].startswith("BD"):
                subject, kind = TOULOUSE_CATEGORIES["BD"]  # years without a category
            document_type = TOULOUSE_MEDIA[row["media"]]
            # The indice of a CD is a music classification (PCDM); elsewhere a shelf mark.
            indice = row["indice"] if document_type == CD else ""
            digest = hashlib.sha1("|".join(key).encode(), usedforsecurity=False).hexdigest()
            yield SourceRecord(
                identifier=f"toulouse:{digest[:12]}",
                document_type=document_type,
                title=title,
                creators=creators[:MAX_CREATORS],
                surname=_surname_of_inverted(creators),
                publisher=_publisher_of(row["publication"]),
                year=_year_of(row["publication"]),
                language="fre" if document_type == BOOK else "",
                subjects="; ".join(part for part in (subject, indice) if part),
                youth=row["audience"] in ("youth", "BB"),
                kind=kind,
            )


def _is_periodical(row: dict[str, str]) -> bool:
    if row["category"] == "PERIO":
        return True
    # Years 2019-2020 have no category: magazines have no author and a "P ..." shelf mark.
    return row["media"] == "print" and not row["author"] and row["call_number"].startswith("P ")


def _publisher_of(publication: str) -> str:
    """Return "Actes Sud" from "Arles (Bouches-du-Rhône) : Actes Sud, 2011"."""
    match = _PUBLICATION.search(publication)
    return match["publisher"].strip()[:MAX_PUBLISHER] if match else ""


def _year_of(publication: str) -> int | None:
    match = _YEAR.search(publication)
    return int(match[1]) if match else None


# goodbooks-10k ---------------------------------------------------------------

# Goodreads language codes to ISO 639-2/B; three-letter codes are kept as they are.
GOODBOOKS_LANGUAGES = {"en": "eng", "en-US": "eng", "en-GB": "eng", "en-CA": "eng", "nl": "dut"}
_SERIES = re.compile(r"\s*\((?P<series>[^()]*#[^()]*)\)\s*$")


def read_goodbooks(path: Path) -> Iterator[SourceRecord]:
    """Yield the goodbooks-10k books, with ISBN-13 and language."""
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            title = row["title"]
            summary = ""
            if series := _SERIES.search(title):
                title = title[: series.start()]
                summary = f"Series: {series['series']}"
            title = clean_title(title)
            if not title:
                continue
            creators = row["authors"].strip()
            first_author = creators.split(",")[0].strip()
            language = row["language_code"]
            yield SourceRecord(
                identifier=f"goodbooks:{row['book_id']}",
                document_type=BOOK,
                title=title,
                creators=creators[:MAX_CREATORS],
                surname=first_author.rsplit(" ", 1)[-1],
                year=_plausible_year(row["original_publication_year"]),
                language=GOODBOOKS_LANGUAGES.get(language, language if len(language) == 3 else ""),
                isbn=row["isbn13"],
                summary=summary,
            )


def _plausible_year(value: str) -> int | None:
    """Return the year, or None for an empty, ancient (BC) or future one."""
    try:
        year = int(float(value))
    except ValueError:
        return None
    return year if 0 < year <= 2100 else None


# Shakespeare and Company lending library (1919-1941) --------------------------------

SCO_URI_PREFIX = "https://shakespeareandco.princeton.edu/books/"
SCO_KINDS = {"Nonfiction": "DOC", "Poetry": "POE", "Drama": "TH"}
SCO_FORMATS = {"Book", ""}  # periodicals, photographs, prints, articles and records are left out


def read_shakespeare_and_co(path: Path) -> Iterator[SourceRecord]:
    """Yield the books of the Shakespeare and Company lending library."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        for row in csv.DictReader(file):
            if row["format"] not in SCO_FORMATS or "Periodical" in row["genre"]:
                continue
            title = clean_title(row["title"])
            if not title:
                continue
            slug = row["uri"].removeprefix(SCO_URI_PREFIX).strip("/")
            genres = [genre for genre in re.split(r";\s*", row["genre"]) if genre != "N/A"]
            creators = row["author"].strip()
            yield SourceRecord(
                # Room is kept for the edition suffix within the 64 characters.
                identifier=f"sco:{slug[:48]}",
                document_type=BOOK,
                title=title,
                creators=creators[:MAX_CREATORS],
                surname=_surname_of_inverted(creators.split(";")[0]),
                year=_plausible_year(row["year"]),
                subjects="; ".join(genres),
                kind=SCO_KINDS.get(genres[0], "") if len(genres) == 1 else "",
            )


# Cleaning shared by the readers -------------------------------------------------

_STATEMENT_OF_RESPONSIBILITY = re.compile(r"\s+/\s+.*$")
_MATERIAL_DESIGNATION = re.compile(
    r"\[(?:texte imprimé|images animées|enregistrement sonore)\]\s*:?\s*", re.I
)
_DATES = re.compile(r"\s*\((?:\d{4}|pseud\.|\.\.\.\.|-)[^)]*\)")


def clean_title(title: str) -> str:
    """Drop the statement of responsibility and material designation from a title."""
    title = _MATERIAL_DESIGNATION.sub("", title)
    title = _STATEMENT_OF_RESPONSIBILITY.sub("", title)
    return " ".join(title.split()).strip(" :;/.,")[:MAX_TITLE]


def _strip_dates(creators: str) -> str:
    """Return "Läckberg, Camilla" from "Läckberg, Camilla (1974-....)"."""
    return " ".join(_DATES.sub("", creators).split())


def _surname_of_inverted(creators: str) -> str:
    """Return the surname of a "Surname, Forename" heading (or the whole name)."""
    return creators.split(",")[0].strip()


def fold(text: str) -> str:
    """Return the text lower-cased, without accents or punctuation, for comparisons."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum())
