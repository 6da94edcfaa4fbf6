import datetime
from zoneinfo import ZoneInfo

from django.utils import translation

from core.network_time import format_deadline as deadline

PARIS = ZoneInfo("Europe/Paris")


def test_a_deadline_at_midnight_reads_as_the_end_of_the_day_before():
    at_midnight = datetime.datetime(2026, 12, 3, 0, 0, tzinfo=PARIS)

    with translation.override("fr"):
        assert deadline(at_midnight) == "mercredi 2 décembre 2026"
    with translation.override("en"):
        assert deadline(at_midnight) == "Wednesday 2 December 2026"


def test_any_other_deadline_reads_with_its_time_in_paris():
    in_utc = datetime.datetime(2026, 12, 3, 14, 30, tzinfo=datetime.UTC)

    with translation.override("fr"):
        assert deadline(in_utc) == "jeudi 3 décembre 2026 à 15:30"
    with translation.override("en"):
        assert deadline(in_utc) == "Thursday 3 December 2026 at 15:30"


def test_no_deadline_reads_as_nothing():
    assert deadline(None) == ""
