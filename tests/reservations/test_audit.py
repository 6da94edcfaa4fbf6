"""The audit trail's one vocabulary and its one writer (reservations/audit.py)."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import translation

from reservations import audit
from reservations.audit import AuditAction
from reservations.models import AuditEntry, ReservationStatus

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]
# AuditEntry(...) or AuditEntry.objects.create(...) / bulk_create(...), not its class statement.
WRITES_THE_TRAIL = re.compile(r"(?<!class )AuditEntry(\.objects\.(create|bulk_create))?\(")
AT = datetime.datetime(2026, 11, 3, 9, 30, tzinfo=datetime.UTC)


def test_entries_are_dated_by_the_operation_and_saved_together(django_assert_num_queries):
    entries = [
        audit.entry(at=AT, action=AuditAction.READY, to_status=ReservationStatus.READY),
        audit.entry(at=AT, action=AuditAction.CAMPAIGN_DONE, detail="campaign 1"),
    ]

    with django_assert_num_queries(1):
        audit.record(*entries)

    saved = list(AuditEntry.objects.order_by("pk").values_list("at", "action", "to_status"))
    assert saved == [(AT, "ready", "ready"), (AT, "campaign_done", "")]


def test_each_action_reads_in_the_librarian_s_language():
    saved = AuditEntry(action=AuditAction.APPOINTMENT_BOOKED)

    with translation.override("fr"):
        assert saved.get_action_display() == "créneau de retrait réservé"
    with translation.override("en"):
        assert saved.get_action_display() == "pickup time booked"


def test_no_module_of_the_product_writes_the_trail_but_the_audit_module():
    writers = []
    for path in PROJECT.glob("*/**/*.py"):
        relative = path.relative_to(PROJECT)
        if relative.parts[0] in {".venv", "tests", "bench"} or "migrations" in relative.parts:
            continue
        if WRITES_THE_TRAIL.search(path.read_text()):
            writers.append(str(relative))
    assert writers == ["reservations/audit.py"]
