"""The pickup journey in a real browser: from the "ready" e-mail's link the patron books a slot
and later says "I'm here"; the desk sees it on the board, hands the order over, and the open
board picks up the next arrival by itself (htmx polling). No patron signs in: the e-mail's
signed links are the only way in. Screenshots go to the `screenshots_dir` fixture.

The branch takes appointments every day around the clock, and orders wait one open day: the
live server reads the real clock, so there are slots after now whatever the day and the hour
(on a public holiday, the next open day's).
"""

import datetime

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from pickups.models import Appointment, AppointmentStatus, Arrival
from pickups.services import announce_arrival
from reservations import services
from reservations.models import ReservationStatus
from tests.e2e.signing_in import sign_in
from tests.factories import (
    BranchFactory,
    DocumentTypeFactory,
    ItemFactory,
    PatronFactory,
    RecordFactory,
    StaffFactory,
)

# StaffFactory remakes the staff groups that another transactional test's flush emptied.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The board asks for its sections every 5 seconds (board_views.POLL_SECONDS).
POLL_TIMEOUT_MS = 15_000


@pytest.fixture
def branch():
    return BranchFactory(
        name="Médiathèque Václav Havel",
        appointments_enabled=True,
        slot_minutes=15,
        patrons_per_slot=2,
        pickup_days=1,
        hours=[(day, "00:00", "23:59") for day in range(7)],
    )


@pytest.fixture
def librarian(branch):
    return StaffFactory(groups=["librarian"], branches=[branch])


def make_ready(*, branch, patron, librarian, titles):
    """Order the titles for the patron and prepare them through the real services."""
    book = DocumentTypeFactory(code="book")
    records = [
        ItemFactory(record=RecordFactory(title=title, document_type=book), branch=branch).record
        for title in titles
    ]
    order = services.submit_reservation(patron=patron, branch=branch, records=records)
    for line in order.lines.select_related("item"):
        services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian)
    return services.mark_ready(reservation=order, by=librarian)


def link_after(body: str, label: str, base_url: str) -> str:
    """Return the address on the line after `label` in an e-mail's text, on this site."""
    # French puts a no-break space before a colon.
    lines = body.replace("\N{NO-BREAK SPACE}", " ").splitlines()
    assert label in lines, f"{label!r} not in the e-mail:\n{body}"
    url = lines[lines.index(label) + 1].strip()
    assert url.startswith(base_url + "/pickup/"), url
    return url


def test_pickup_journey_from_the_ready_email_to_the_hand_over(
    page,
    new_context,
    live_server,
    settings,
    mailoutbox,
    branch,
    librarian,
    axe_violations,
    screenshots_dir,
):
    settings.SITE_URL = live_server.url
    patron = PatronFactory(first_name="Camille", last_name="Lefebvre")
    order = make_ready(
        branch=branch, patron=patron, librarian=librarian, titles=["Les Misérables", "Nadja"]
    )
    # The "ready" e-mail, from the outbox to the patron's mailbox (Celery runs eagerly here).
    outbox = Notification.objects.get(kind="reservation_ready", recipient=patron)
    [email] = [mail for mail in mailoutbox if mail.subject == outbox.subject]
    assert email.to == [patron.email]
    assert email.body == outbox.body_text
    slot_link = link_after(email.body, "Choisir une heure de retrait :", live_server.url)
    here_link = link_after(
        email.body,
        "Une fois à la bibliothèque, prévenez l’accueil que vous êtes là :",
        live_server.url,
    )

    # The patron, not signed in, follows the e-mail's link and books a time. The second one
    # offered: the first may start within seconds, and be past by the time the form is sent.
    page.goto(slot_link)
    expect(page.locator("h1")).to_have_text("Choisir une heure de retrait")
    expect(page.locator(".slot--full")).to_have_count(0)
    chosen = page.locator('input[name="starts_at"]').nth(1)
    starts_at = datetime.datetime.fromisoformat(chosen.get_attribute("value"))
    label = page.locator(f'label[for="{chosen.get_attribute("id")}"]')
    start, end = label.locator(".slot__time").inner_text().split("–")
    expect(label).to_contain_text("2 places restantes")
    assert axe_violations(page) == []
    page.screenshot(path=str(screenshots_dir / "pickup-1-slots.png"))
    chosen.check()
    page.get_by_role("button", name="Réserver cette heure").click()

    booked = page.get_by_role("status").filter(has_text="Votre rendez-vous de retrait est réservé")
    expect(booked).to_contain_text(f"{start}–{end}")
    expect(page.locator("h1")).to_have_text(f"Commande {order.reference}")
    expect(page.locator(".pickup-facts")).to_contain_text(f"{start}–{end}")
    appointment = Appointment.objects.select_related("slot").get(reservation=order)
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.slot.starts_at == starts_at
    assert appointment.slot.booked == 1
    assert axe_violations(page) == []

    # At the library, the e-mail's "I'm here" link, with a word for the desk.
    page.goto(here_link)
    expect(page.locator("h1")).to_have_text("Je suis là")
    page.get_by_label("Un mot pour l’accueil (facultatif)").fill("voiture bleue")
    assert axe_violations(page) == []
    page.screenshot(path=str(screenshots_dir / "pickup-2-here.png"), full_page=True)
    page.get_by_role("button", name="Je suis là", exact=True).click()
    expect(
        page.get_by_role("status").filter(has_text="Merci : le guichet sait que vous êtes là")
    ).to_be_visible()
    expect(page.locator("h1")).to_have_text(f"Commande {order.reference}")
    expect(page.locator("section[aria-labelledby='arrival-heading']")).to_contain_text(
        "« voiture bleue »"
    )
    assert Arrival.objects.get(reservation=order).note == "voiture bleue"

    # Another patron's order waits at the same desk; they will come while the board is open.
    other = make_ready(
        branch=branch,
        patron=PatronFactory(first_name="Louis", last_name="Martin"),
        librarian=librarian,
        titles=["Zazie dans le métro"],
    )

    # The desk, on its own computer (a taller screen: the board's first section in full).
    desk = new_context(viewport={"width": 1280, "height": 1000}).new_page()
    sign_in(desk, live_server, StaffFactory(groups=["desk"], branches=[branch]))
    desk.goto(live_server.url + "/staff/board/")
    here = desk.locator(".board-section--here")
    expect(here.locator("#board-here")).to_contain_text("Usager sur place")
    card = here.locator(".board-card").filter(has_text=order.reference)
    expect(card).to_contain_text("Camille Lefebvre")
    expect(card).to_contain_text("voiture bleue")
    expect(card).to_contain_text(f"Rendez-vous {start}–{end}")
    expect(here.locator(".board-card")).to_have_count(1)
    expect(desk.locator("section[aria-labelledby=board-ready]")).to_contain_text(other.reference)
    assert axe_violations(desk) == []
    # The top of the board: the day's slot table below is long.
    desk.screenshot(path=str(screenshots_dir / "pickup-3-board.png"))

    # Hand over: the board's link opens the desk on this order, both documents ticked.
    card.locator(f"#hand-over-{order.pk}").click()
    slip = desk.locator(".desk-order")
    expect(slip).to_have_count(1)
    expect(slip).to_contain_text(order.reference)
    expect(slip.locator('input[name="lines"]:checked')).to_have_count(2)
    slip.locator('button[type="submit"]').click()
    expect(desk.get_by_role("status").filter(has_text=order.reference)).to_be_visible()
    order.refresh_from_db()
    assert order.status == ReservationStatus.COLLECTED

    # Back on the board: no one waits any more; the order is among today's hand-overs.
    desk.goto(live_server.url + "/staff/board/")
    expect(desk.locator(".board-section--here .board-card")).to_have_count(0)
    expect(desk.locator(".board-section--here")).to_contain_text("Personne n’attend.")
    handed = desk.locator("section[aria-labelledby=board-handed]")
    expect(handed).to_contain_text(order.reference)
    expect(handed).to_contain_text("Remise à")

    # The next patron says "I'm here": the open board shows it without being reloaded.
    desk.evaluate("window.boardNotReloaded = true")
    announce_arrival(reservation_id=other.pk, note="à la porte de côté")
    arrived = desk.locator(".board-section--here .board-card").filter(has_text=other.reference)
    expect(arrived).to_contain_text("à la porte de côté", timeout=POLL_TIMEOUT_MS)
    expect(arrived).to_contain_text("Louis Martin")
    assert desk.evaluate("window.boardNotReloaded") is True
    expect(desk.locator(".board-section--here .board-card")).to_have_count(1)
    expect(handed).to_contain_text(order.reference)
