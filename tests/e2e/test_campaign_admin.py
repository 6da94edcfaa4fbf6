"""A network admin runs an extension campaign from the admin, in a real browser.

Celery runs eagerly in the live server (no broker configured): the campaign
started from the page is carried out within the request, as a worker would.
`make screenshots` saves campaign-progress.png to docs/screenshots/.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reservations.models import ExtensionCampaign, Loan
from tests.e2e.signing_in import log_in_to_the_admin
from tests.factories import LoanFactory, PatronFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

URL = "/admin/reservations/extensioncampaign/"


def test_a_network_admin_drafts_starts_and_undoes_a_campaign(page, live_server, axe_violations):
    patron = PatronFactory()
    loans = LoanFactory.create_batch(3, patron=patron)
    LoanFactory(patron=PatronFactory())
    log_in_to_the_admin(page, live_server, StaffFactory(groups=["network admin"]))

    page.goto(f"{live_server.url}{URL}add/")
    page.get_by_label("Nom").fill("Confinement de novembre")
    page.get_by_label("Type").select_option("loans")
    page.get_by_label("Motif").fill("Les bibliothèques sont fermées au public.")
    page.get_by_label("Prolonger de").fill("5")
    page.get_by_label("Unité").select_option("weeks")
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    # Saved as a draft, it says what it would do before anyone starts it.
    expect(page.get_by_text("Prolongerait 4 prêts de 2 usagers.").first).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Démarrer").click()
    expect(page.get_by_text("Tous les prêts en cours")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Démarrer la campagne").click()

    expect(page.get_by_text("4 sur 4 prêts prolongés.").first).to_be_visible()
    expect(page.get_by_text("Terminée", exact=True)).to_be_visible()
    assert axe_violations(page) == []
    assert [Loan.objects.get(pk=loan.pk).due_on for loan in loans] == [
        loan.due_on + datetime.timedelta(weeks=5) for loan in loans
    ]

    page.get_by_role("link", name="Annuler", exact=True).click()
    page.get_by_role("button", name="Annuler la campagne").click()

    expect(page.get_by_text("Annulée", exact=True)).to_be_visible()
    assert [Loan.objects.get(pk=loan.pk).due_on for loan in loans] == [
        loan.due_on for loan in loans
    ]


def test_the_page_follows_a_running_campaign_by_itself(
    page, live_server, axe_violations, screenshots_dir
):
    campaign = ExtensionCampaign.objects.create(
        kind="loans",
        name="Confinement de novembre",
        reason="Les bibliothèques sont fermées au public.",
        shift_amount=5,
        shift_unit="weeks",
        status="running",
        started_at=timezone.now(),
        progressed_at=timezone.now(),
        rows_total=1_000_000,
        rows_done=250_000,
    )
    page.set_viewport_size({"width": 1100, "height": 800})
    log_in_to_the_admin(page, live_server, StaffFactory(groups=["network admin"]))

    page.goto(f"{live_server.url}{URL}{campaign.pk}/change/")
    progress = page.locator("progress")
    expect(progress).to_have_attribute("value", "250000")
    expect(page.get_by_role("status")).to_contain_text("250")
    assert axe_violations(page) == []
    page.screenshot(path=screenshots_dir / "campaign-progress.png")

    # A worker commits more batches: the page shows them without a reload.
    ExtensionCampaign.objects.filter(pk=campaign.pk).update(rows_done=600_000)
    expect(progress).to_have_attribute("value", "600000", timeout=10_000)

    # It finishes: the page reloads itself and offers undo.
    ExtensionCampaign.objects.filter(pk=campaign.pk).update(
        rows_done=1_000_000, status="done", notify_patrons=False, finished_at=timezone.now()
    )
    expect(page.get_by_role("link", name="Annuler", exact=True)).to_be_visible(timeout=10_000)
    expect(page.get_by_text("1 000 000 sur 1 000 000 prêts prolongés.").first).to_be_visible()
