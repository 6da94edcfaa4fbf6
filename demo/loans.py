"""Generate the demo's current loans as rows, lazily, at any size.

The copies lent are chosen by ``catalogue.lent_copies``; each gets one open
loan. The first patrons of the sign-in table get a fixed set, so that the
demo always shows the same cases (an overdue loan, one due in two days...);
the other loans go to the other patrons at random. Due dates are spread
around today, mostly within the coming four weeks, some overdue; a loan went
out one loan period before its due date, or two when that would be today or
later (it was renewed). Rows are tuples in the order of ``LOAN_COLUMNS``.
"""

import datetime
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .catalogue import copy_draws
from .people import ENDED_SINCE_SEPTEMBER, ENGLISH_VALID, FRENCH_VALID, LONG_EXPIRED
from .sources import SourceRecord

LOAN_COLUMNS = ("id", "item_id", "patron_id", "out_at", "due_on")

# The demo patrons' loans: (patron, days from today to the due date).
DEMO_LOANS = (
    (FRENCH_VALID, -5),  # overdue
    (FRENCH_VALID, 2),  # due soon
    (FRENCH_VALID, 16),
    (ENGLISH_VALID, 6),
    (ENGLISH_VALID, 19),
    (LONG_EXPIRED, -45),  # long overdue, and the membership has expired
    (ENDED_SINCE_SEPTEMBER, 3),
    (ENDED_SINCE_SEPTEMBER, 24),
)
DEMO_PATRONS = 1 + max(patron for patron, _days in DEMO_LOANS)

OVERDUE_SHARE = 0.12
LONGEST_OVERDUE_DAYS = 28
LATEST_DUE_DAYS = 27  # due within four weeks
# Desks lend between 10:00 and 19:00, local time.
FIRST_LOAN_MINUTE, LAST_LOAN_MINUTE = 10 * 60, 19 * 60 - 1


def loan_rows(
    real: Sequence[SourceRecord],
    count: int,
    *,
    copies: int,
    seed: int,
    lent: bytes,
    patron_ids: Sequence[int],
    loan_days: dict[str, int],
    today: datetime.date,
    time_zone: ZoneInfo,
) -> Iterator[tuple]:
    """Yield one loan per lent copy, in copy order; ids 1, 2...

    ``count``, ``copies`` and ``seed`` are those the copies were made with:
    walking the same draws gives each lent copy's record, hence its loan period
    (``loan_days`` by document type code).
    """
    rng = random.Random(f"loans:{seed}")
    demo = [(patron_ids[patron], days) for patron, days in DEMO_LOANS if patron < len(patron_ids)]
    others = patron_ids[DEMO_PATRONS:] or patron_ids
    loan_id = 0
    for item_id, (index, _branch, _copy, _status) in enumerate(
        copy_draws(count, copies=copies, seed=seed), start=1
    ):
        if not lent[item_id - 1]:
            continue
        if loan_id < len(demo):
            patron_id, days = demo[loan_id]
        else:
            patron_id = others[int(rng.random() * len(others))]
            if rng.random() < OVERDUE_SHARE:
                days = -rng.randint(1, LONGEST_OVERDUE_DAYS)
            else:
                days = rng.randint(0, LATEST_DUE_DAYS)
        due_on = today + datetime.timedelta(days=days)
        period = datetime.timedelta(days=loan_days[real[index % len(real)].document_type])
        out_on = due_on - period
        while out_on >= today:
            out_on -= period
        minute = rng.randint(FIRST_LOAN_MINUTE, LAST_LOAN_MINUTE)
        out_at = datetime.datetime.combine(
            out_on, datetime.time(minute // 60, minute % 60), tzinfo=time_zone
        )
        loan_id += 1
        yield (loan_id, item_id, patron_id, out_at, due_on)
