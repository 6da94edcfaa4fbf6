"""Read the French opening-hours text of the Paris libraries file.

The text is SpotWork's French rendering of OpenStreetMap's ``opening_hours``,
for example ``"Sep-Juin: Mardi-Vendredi 13:00-19:00 | Samedi 10:00-18:00"``.
Segments are separated by ``|``; a segment holds rules such as
``"Mardi, Jeudi-Vendredi 13:00-19:00"`` or ``"Lundi, Jours feries Ferme"``,
sometimes several joined by commas. As in OpenStreetMap, a later rule for a
weekday replaces an earlier one: ``"Mardi-Vendredi 13:00-19:00 | Mercredi
10:00-19:00"`` opens on Wednesday from 10:00 only.
"""

import datetime
import re
import unicodedata

WeeklyHours = dict[int, list[tuple[datetime.time, datetime.time]]]

# The usual hours of a Paris lending library, used when a row has none.
DEFAULT_WEEKLY_HOURS: WeeklyHours = {
    1: [(datetime.time(13), datetime.time(19))],
    2: [(datetime.time(10), datetime.time(19))],
    3: [(datetime.time(13), datetime.time(19))],
    4: [(datetime.time(13), datetime.time(19))],
    5: [(datetime.time(10), datetime.time(18))],
}

WEEKDAYS = {
    "lundi": 0,
    "mardi": 1,
    "mercredi": 2,
    "jeudi": 3,
    "vendredi": 4,
    "samedi": 5,
    "dimanche": 6,
    # A few rows slipped through untranslated.
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
MONTHS = {
    "jan": 1,
    "fev": 2,
    "mar": 3,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juil": 7,
    "aout": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
SCHOOL_YEAR_MONTH = 10  # October: a season containing it is the "normal" one.

_DAY = "(?:" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + ")"
_DAY_ITEM = rf"(?:{_DAY}(?:-{_DAY})?|jours feries)"
_DAY_LIST = rf"{_DAY_ITEM}(?:\s*,\s*{_DAY_ITEM})*"
_INTERVAL = r"\d{1,2}:\d{2}-\d{1,2}:\d{2}"
_INTERVALS = rf"{_INTERVAL}(?:\s*,\s*{_INTERVAL})*"
_RULE = re.compile(rf"\s*(?P<days>{_DAY_LIST})\s+(?P<hours>{_INTERVALS}|ferme)\s*(?:,|$)")
_SEASON = re.compile(r"^(?P<first>[a-z]+)(?:-(?P<last>[a-z]+))?\s*:?\s+(?P<rest>.*)$")
# "Dec 25, Jan 1 Ferme": closures on dates, which the weekly hours ignore.
_DATE_CLOSURE = re.compile(r"^[a-z]{3} \d{1,2}(?:\s*,\s*[a-z]{3} \d{1,2})*\s+ferme$")


class UnreadableHours(ValueError):
    """The text is not opening hours this parser understands."""


def parse_opening_hours(text: str) -> WeeklyHours:
    """Return the weekly hours of the school year as {weekday: [(opens, closes)]}.

    Raise UnreadableHours when the text is empty, says the library is closed,
    or holds a segment that is not understood.
    """
    weekly: WeeklyHours = {}
    segments = [segment for segment in _fold(text).split("|") if segment.strip()]
    if not segments:
        raise UnreadableHours("no opening hours")
    for segment in segments:
        segment = segment.strip()
        if _DATE_CLOSURE.match(segment):
            continue
        segment = _strip_season(segment)
        if segment is None:
            continue
        _apply_rules(segment, weekly)
    if not any(weekly.values()):
        raise UnreadableHours(f"never open: {text!r}")
    return {
        weekday: sorted(intervals) for weekday, intervals in sorted(weekly.items()) if intervals
    }


def _fold(text: str) -> str:
    """Lower-case the text and drop its accents ("Férié" -> "ferie")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _strip_season(segment: str) -> str | None:
    """Return the segment without its season prefix, or None for a summer-only season."""
    match = _SEASON.match(segment)
    if not match or match["first"] not in MONTHS:
        return segment
    first = MONTHS[match["first"]]
    last = MONTHS.get(match["last"] or match["first"])
    if last is None:
        raise UnreadableHours(f"unknown season in {segment!r}")
    months = _cyclic_range(first, last, 12, start=1)
    return match["rest"] if SCHOOL_YEAR_MONTH in months else None


def _apply_rules(segment: str, weekly: WeeklyHours) -> None:
    position = 0
    while position < len(segment):
        match = _RULE.match(segment, position)
        if not match:
            raise UnreadableHours(f"cannot read {segment[position:]!r}")
        intervals = _intervals(match["hours"])
        for weekday in _weekdays(match["days"]):
            weekly[weekday] = list(intervals)
        position = match.end()


def _weekdays(day_list: str) -> list[int]:
    weekdays: list[int] = []
    for item in re.split(r"\s*,\s*", day_list.strip()):
        if item == "jours feries":
            continue  # Public holidays are the branch calendar's business.
        first, _, last = item.partition("-")
        weekdays += _cyclic_range(WEEKDAYS[first], WEEKDAYS[last or first], 7, start=0)
    return weekdays


def _intervals(hours: str) -> list[tuple[datetime.time, datetime.time]]:
    if hours == "ferme":
        return []
    intervals = []
    for interval in re.split(r"\s*,\s*", hours):
        opens, closes = (datetime.time.fromisoformat(f"{part:0>5}") for part in interval.split("-"))
        if closes <= opens:
            raise UnreadableHours(f"closes before it opens: {interval!r}")
        intervals.append((opens, closes))
    return intervals


def _cyclic_range(first: int, last: int, size: int, *, start: int) -> list[int]:
    """Return first..last inclusive, wrapping around (Sep-Juin, Samedi-Lundi)."""
    count = (last - first) % size + 1
    return [(first - start + offset) % size + start for offset in range(count)]
