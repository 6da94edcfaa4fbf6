"""Generate the demo catalogue as rows, lazily, at any size.

The first records are the real ones (``sources.read_real_records``). Past
them, the list is cycled: record ``i`` is another edition of real record
``i % len(real)``, with the same title and creators but its own identifier,
year, publisher and ISBN/EAN, so that a network of a million records still
reads like a catalogue. Rows are tuples in the order of ``RECORD_COLUMNS``
and ``ITEM_COLUMNS``; ids are assigned here (1, 2, ...), because the loaders
write into empty tables.
"""

import datetime
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from catalog.models import ItemStatus

from .call_numbers import call_number_for
from .sources import BOOK, CD, DVD, SourceRecord

RECORD_COLUMNS = (
    "id",
    "identifier",
    "document_type_id",
    "title",
    "creators",
    "publisher",
    "year",
    "language",
    "isbn",
    "ean",
    "subjects",
    "summary",
    "created_at",
    "updated_at",
)
ITEM_COLUMNS = (
    "id",
    "barcode",
    "record_id",
    "branch_id",
    "call_number",
    "status",
    "status_changed_at",
)

REISSUE_PUBLISHERS = {
    BOOK: (
        "Gallimard",
        "Folio",
        "Le Livre de Poche",
        "Pocket",
        "J'ai lu",
        "Points",
        "10/18",
        "Actes Sud",
        "Flammarion",
        "Seuil",
    ),
    CD: ("Universal Music France", "Warner Music France", "Sony Music", "Because Music", "Naïve"),
    DVD: ("Wild Side Video", "Warner Home Video", "TF1 Vidéo", "Arte Éditions", "Pathé"),
}
EARLIEST_REISSUE = 1950
UNDATED_AGE = 25  # years

# Share of the copies not lent in each status. A copy is on loan only when it has
# a loan (see ``lent_copies``); there are no orders yet, so none is "held".
COPY_STATUSES = (
    (0.97, ItemStatus.AVAILABLE.value),
    (0.99, ItemStatus.QUARANTINE.value),
    (1.00, ItemStatus.UNAVAILABLE.value),
)


@dataclass(frozen=True, slots=True)
class Edition:
    """What sets a generated edition apart from the real record it repeats."""

    number: int
    identifier: str
    year: int
    publisher: str
    isbn: str
    ean: str
    summary: str


def edition_of(real: SourceRecord, *, index: int, number: int, this_year: int) -> Edition:
    """Return edition ``number`` (2, 3...) of a real record, the catalogue's record ``index``."""
    # Reissues come after the original; an undated original is taken as recent.
    first_published = real.year or this_year - UNDATED_AGE
    earliest = min(max(first_published, EARLIEST_REISSUE), this_year)
    year = earliest + (number * 7 + index) % (this_year - earliest + 1)
    publishers = REISSUE_PUBLISHERS[real.document_type]
    publisher = publishers[(number + index) % len(publishers)]
    if real.document_type == BOOK:
        # 979-10 is the French ISBN prefix; the catalogue index keeps them distinct.
        isbn, ean = with_check_digit(f"97910{index % 10**7:07d}"), ""
    else:
        isbn, ean = "", with_check_digit(f"37{index % 10**10:010d}")
    note = f"Réédition n° {number} ({publisher}, {year})."
    return Edition(
        number=number,
        identifier=f"{real.identifier}:ed{number}",
        year=year,
        publisher=publisher,
        isbn=isbn,
        ean=ean,
        summary=f"{real.summary}\n{note}" if real.summary else note,
    )


def record_rows(
    real: Sequence[SourceRecord],
    count: int,
    *,
    document_type_ids: dict[str, int],
    timestamp: datetime.datetime,
) -> Iterator[tuple]:
    """Yield ``count`` record rows: the real records, then further editions of them."""
    this_year = timestamp.year
    for index in range(count):
        source = real[index % len(real)]
        number = index // len(real) + 1
        if number == 1:
            identifier, year, publisher = source.identifier, source.year, source.publisher
            isbn, ean, summary = source.isbn, "", source.summary
        else:
            edition = edition_of(source, index=index, number=number, this_year=this_year)
            identifier, year, publisher = edition.identifier, edition.year, edition.publisher
            isbn, ean, summary = edition.isbn, edition.ean, edition.summary
        yield (
            index + 1,
            identifier,
            document_type_ids[source.document_type],
            source.title,
            source.creators,
            publisher,
            year,
            source.language,
            isbn,
            ean,
            source.subjects,
            summary,
            timestamp,
            timestamp,
        )


def item_rows(
    real: Sequence[SourceRecord],
    count: int,
    *,
    branch_ids: Sequence[int],
    copies: int,
    seed: int,
    timestamp: datetime.datetime,
    lent: bytes | None = None,
) -> Iterator[tuple]:
    """Yield the copies of the first ``count`` records: ``copies`` per record on average.

    A record has 1 to 2 * copies - 1 copies, each at a different branch when
    there are enough branches (consecutive steps of a stride prime to their
    number). ``lent`` flags the copies on loan (index: copy id - 1).
    """
    call_numbers = [call_number_for(record) for record in real]
    branch_count = len(branch_ids)
    stride = _stride_for(branch_count)
    for item_id, (index, branch_draw, copy, status_draw) in enumerate(
        copy_draws(count, copies=copies, seed=seed), start=1
    ):
        if lent is not None and lent[item_id - 1]:
            status = ItemStatus.ON_LOAN.value
        else:
            status = next(status for share, status in COPY_STATUSES if status_draw < share)
        yield (
            item_id,
            barcode_for(item_id),
            index + 1,
            branch_ids[(int(branch_draw * branch_count) + copy * stride) % branch_count],
            call_numbers[index % len(real)],
            status,
            timestamp,
        )


def copy_draws(count: int, *, copies: int, seed: int) -> Iterator[tuple[int, float, int, float]]:
    """Yield (record index, branch draw, copy number, status draw) per copy, in id order.

    The same seed gives the same draws: the seed walks them once to count the
    copies, once to write them and once to find the records of those lent.
    """
    rng = random.Random(f"items:{seed}")
    spread = 2 * copies - 1
    for index in range(count):
        branch_draw = rng.random()
        for copy in range(1 + int(rng.random() * spread)):
            yield index, branch_draw, copy, rng.random()


def count_copies(count: int, *, copies: int, seed: int) -> int:
    """Return how many copies ``item_rows`` yields for these numbers."""
    return sum(1 for _draw in copy_draws(count, copies=copies, seed=seed))


def lent_copies(total: int, loans: int, *, seed: int) -> bytearray:
    """Choose exactly ``loans`` of ``total`` copies, evenly; return a flag per copy (id - 1).

    Selection sampling (Knuth's algorithm S): one pass, each copy taken with
    the probability of the loans still to place over the copies still to see.
    """
    if not 0 <= loans <= total:
        raise ValueError(f"cannot lend {loans} of {total} copies")
    rng = random.Random(f"lent:{seed}")
    lent = bytearray(total)
    to_place = loans
    for position in range(total):
        if to_place == 0:
            break
        if rng.random() * (total - position) < to_place:
            lent[position] = 1
            to_place -= 1
    return lent


def _stride_for(branch_count: int) -> int:
    """Return a step that visits every branch before coming back (7 for 57 branches)."""
    stride = 7
    while branch_count > 1 and math.gcd(stride, branch_count) != 1:
        stride += 1
    return stride


# Barcodes -----------------------------------------------------------------------

# Library copy labels (Codabar): "3" for an item, a 4-digit institution
# number, an 8-digit item number and a Luhn check digit: 14 digits in all.
BARCODE_PREFIX = "30750"
MAX_BARCODE_NUMBER = 10**8 - 1


def luhn_sum(digits: str) -> int:
    """Return the Luhn sum of digits that are followed by a check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total


def with_check_digit(payload: str) -> str:
    """Return the payload followed by its Luhn check digit."""
    return f"{payload}{-luhn_sum(payload) % 10}"


# The item number's two 4-digit halves have the same doubling pattern, so one
# table of their Luhn sums makes a barcode two lookups instead of 13 digits' work.
_HALF_SUMS = [luhn_sum(f"{half:04d}") for half in range(10_000)]
_PREFIX_SUM = luhn_sum(BARCODE_PREFIX + "0" * 8)


def barcode_for(number: int) -> str:
    """Return the 14-digit barcode of copy ``number`` (1 to 99,999,999)."""
    if not 0 < number <= MAX_BARCODE_NUMBER:
        raise ValueError(f"no barcode for copy number {number}")
    high, low = divmod(number, 10_000)
    check = -(_PREFIX_SUM + _HALF_SUMS[high] + _HALF_SUMS[low]) % 10
    return f"{BARCODE_PREFIX}{number:08d}{check}"
