"""The rules that two requests at once could break, tried with real parallel connections."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from catalog.models import Item
from notifications.models import Notification
from reservations.models import Reservation, ReservationLine
from tests.factories import (
    BranchFactory,
    ItemFactory,
    PatronFactory,
    ReservationFactory,
    ReservationLineFactory,
)
from tests.reservations.race import run_in_parallel
from tests.reservations.scenarios import last_copy_race, one_patron_race, same_document_race

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)

# Threads on SQLite's in-memory test database share nothing: the SQLite races run
# on a file database in a subprocess instead (the last test), whatever the suite's database.
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="raced on SQLite by test_the_same_races_hold_on_sqlite",
)


@postgresql_only
def test_twenty_patrons_racing_for_the_last_copy_one_wins():
    outcomes = last_copy_race(patrons=20)

    assert outcomes == {"ok": 1, "NoLongerAvailable": 19}
    assert Reservation.objects.count() == 1
    assert Item.objects.get().status == Item.Status.HELD
    assert ReservationLine.objects.count() == 1


@postgresql_only
def test_one_patron_firing_ten_orders_never_holds_more_than_five(settings):
    settings.MAX_ACTIVE_ITEMS = 5

    outcomes = one_patron_race(submissions=10)

    assert outcomes == {"ok": 5, "TooManyDocuments": 5, "holding": 5}
    assert Item.objects.filter(status=Item.Status.HELD).count() == 5


@postgresql_only
def test_one_patron_ordering_the_same_document_from_ten_sessions_holds_it_once():
    outcomes = same_document_race(sessions=10)

    assert outcomes == {"ok": 1, "AlreadyInAnOrder": 9, "holding": 1}
    assert Reservation.objects.count() == 1


@postgresql_only
def test_one_checkout_form_sent_five_times_at_once_places_one_order(client):
    """A double click without JavaScript: the same form, the same session, five requests."""
    branch = BranchFactory()
    item = ItemFactory(branch=branch)
    patron = PatronFactory()
    client.force_login(patron)
    client.post("/basket/add/", {"record": item.record.pk})
    ItemFactory(record=item.record, branch=branch)  # a second copy: only the form can stop it
    form = {"branch": branch.pk, "records": [item.record.pk], "submission": "k" * 32}

    def send():
        same_browser = Client()
        same_browser.cookies = client.cookies
        response = same_browser.post("/basket/checkout/", form)
        assert response.status_code == 302 and response.url == "/account/reservations/", (
            response.status_code
        )

    outcomes = run_in_parallel([send for _ in range(5)])

    assert outcomes == {"ok": 5}
    order = Reservation.objects.get()
    assert order.lines.count() == 1
    assert Notification.objects.filter(kind="reservation_received").count() == 1


def test_the_database_refuses_a_copy_in_two_active_lines_from_two_connections():
    line = ReservationLineFactory()
    other = ReservationFactory(branch=line.reservation.branch)

    with pytest.raises(IntegrityError), transaction.atomic():
        ReservationLine.objects.create(reservation=other, record=line.record, item=line.item)
    assert ReservationLine.objects.filter(item=line.item).count() == 1


def test_the_same_races_hold_on_sqlite(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    result = subprocess.run(
        [sys.executable, "-m", "tests.reservations.sqlite_race"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["last_copy"] == {"ok": 1, "NoLongerAvailable": 19}
    assert outcome["holding_after_first"] == 1
    assert outcome["cap"] == {"ok": 5, "TooManyDocuments": 5, "holding": 5}
    assert outcome["same"] == {"ok": 1, "AlreadyInAnOrder": 9, "holding": 1}
