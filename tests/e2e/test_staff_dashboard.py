"""A librarian opens the staff dashboard in a real browser: accessible, and pictured.

`make screenshots` saves staff-dashboard.png to docs/screenshots/.
"""

import datetime
import random

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import BranchFactory, ReservationFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def thirty_days_of_orders(branch) -> None:
    """Store a month of orders: most ready in time, a few late, a few still open and overdue."""
    rng = random.Random(2020)
    now = timezone.now()
    for back in range(30):
        for _ in range(rng.randint(0 if back % 7 == 6 else 3, 14)):
            submitted = now - datetime.timedelta(days=back, hours=rng.randint(0, 8))
            deadline = submitted + datetime.timedelta(hours=24)
            if back < 1:
                status, extra = "submitted", {}
            else:
                ready_at = submitted + datetime.timedelta(hours=rng.choice((3, 6, 20, 30)))
                status = "collected" if back > 3 else "ready"
                extra = {
                    "ready_at": ready_at,
                    "pickup_deadline": ready_at + datetime.timedelta(days=7),
                    "collected_at": ready_at + datetime.timedelta(days=1)
                    if status == "collected"
                    else None,
                }
            ReservationFactory(
                branch=branch,
                status=status,
                submitted_at=submitted,
                processing_deadline=deadline,
                **extra,
            )
    for hours in (30, 52, 75):
        ReservationFactory(
            branch=branch,
            status="submitted",
            submitted_at=now - datetime.timedelta(hours=hours),
            processing_deadline=now - datetime.timedelta(hours=hours - 24),
        )


def test_a_librarian_opens_the_dashboard(page, live_server, axe_violations, screenshots_dir):
    branch = BranchFactory(name="Médiathèque Václav Havel")
    librarian = StaffFactory(
        groups=["librarian"], branches=[branch], first_name="Camille", last_name="Durand"
    )
    thirty_days_of_orders(branch)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/?next=/staff/")
    page.locator("#id_username").fill(librarian.card_number)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")

    expect(page).to_have_url(live_server.url + "/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    expect(page.locator(".dash-overdue__count")).to_have_text("3")
    expect(page.get_by_role("img", name="Commandes reçues par jour")).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path=str(screenshots_dir / "staff-dashboard.png"), full_page=True)

    page.get_by_text("Les chiffres sous forme de tableau").click()
    expect(page.locator(".dash-data tbody tr")).to_have_count(30)
    assert axe_violations(page) == []
