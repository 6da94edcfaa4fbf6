"""The pickup board in a real browser: a patron's "I'm here" appears by itself (htmx polling),
is read out in the live region and counted in the title; "seen" clears the alert."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pickups.services import announce_arrival
from reservations.models import ReservationStatus
from tests.e2e.signing_in import sign_in
from tests.factories import BranchFactory, PatronFactory, ReservationFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_arrival_appears_on_the_open_board_and_is_marked_seen(
    page, live_server, axe_violations, screenshots_dir
):
    branch = BranchFactory(name="Médiathèque Václav Havel", appointments_enabled=True)
    now = timezone.now()
    order = ReservationFactory(
        branch=branch,
        patron=PatronFactory(first_name="Camille", last_name="Lefebvre"),
        status=ReservationStatus.READY,
        ready_at=now - datetime.timedelta(hours=1),
        pickup_deadline=now + datetime.timedelta(days=5),
    )
    sign_in(page, live_server, StaffFactory(groups=["desk"], branches=[branch]))
    page.goto(live_server.url + "/staff/board/")
    expect(page.locator("#board-here")).to_contain_text("0")
    assert axe_violations(page) == []

    announce_arrival(reservation_id=order.pk, note="voiture bleue")

    card = page.locator(".board-card--unseen")
    expect(card).to_contain_text("voiture bleue", timeout=15_000)
    expect(page.locator("#board-announcer")).to_contain_text("Camille Lefebvre est là")
    expect(page).to_have_title("(1 sur place) Tableau des retraits · Bibliothèques de Paris")
    assert axe_violations(page) == []
    page.screenshot(path=str(screenshots_dir / "pickup-board.png"), full_page=True)

    card.get_by_role("button", name=f"Vu {order.reference}").click()
    expect(page.locator(".board-card--unseen")).to_have_count(0)
    expect(page.locator(".board-card--here")).to_contain_text("Vu à")
