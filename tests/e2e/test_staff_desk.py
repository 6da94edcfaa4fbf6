"""Staff in a real browser: the desk scans a slip, hands the order over and takes a return;
a librarian takes a phone order. Accessibility checked with axe-core; screenshots saved
to the `screenshots_dir` fixture (docs/screenshots/ with `make screenshots`).
"""

import pytest
from playwright.sync_api import expect

from catalog.models import Item
from reservations import services
from reservations.models import Channel, Loan, Reservation, ReservationStatus
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

TITLES = ["Les Misérables", "Madame Bovary", "Le Petit Prince"]


@pytest.fixture
def branch():
    return BranchFactory(name="Médiathèque Václav Havel", accepts_phone_orders=True)


@pytest.fixture
def shelf(branch):
    book = DocumentTypeFactory(code="book", loan_days=21, quarantine_days=3)
    return [
        ItemFactory(record=RecordFactory(title=title, document_type=book), branch=branch).record
        for title in TITLES
    ]


def test_the_desk_scans_a_slip_hands_over_and_takes_a_return(
    page, live_server, branch, shelf, axe_violations, screenshots_dir
):
    patron = PatronFactory(first_name="Camille", last_name="Lefebvre")
    librarian = StaffFactory(groups=["librarian"], branches=[branch])
    order = services.submit_reservation(patron=patron, branch=branch, records=shelf[:2])
    for line in order.lines.select_related("item"):
        services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian)
    services.mark_ready(reservation=order, by=librarian)
    agent = StaffFactory(groups=["desk"], branches=[branch])

    sign_in(page, live_server, agent)
    page.goto(live_server.url + "/staff/desk/")
    field = page.locator("#id_q")
    expect(field).to_be_focused()
    # The scanner types the slip's QR code content, then Enter.
    page.keyboard.type(order.reference)
    page.keyboard.press("Enter")

    card = page.locator(".desk-order")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(order.reference)
    expect(card).to_contain_text(patron.masked_card_number)
    expect(card.locator('input[name="lines"]:checked')).to_have_count(2)
    assert axe_violations(page) == []
    page.screenshot(path=str(screenshots_dir / "staff-desk.png"), full_page=True)

    card.locator('button[type="submit"]').click()
    expect(page.get_by_role("status").filter(has_text=order.reference)).to_be_visible()
    order.refresh_from_db()
    assert order.status == ReservationStatus.COLLECTED
    loans = Loan.objects.filter(line__reservation=order).select_related("item")
    assert loans.count() == 2

    barcode = loans[0].item.barcode
    page.locator("#id_barcode").fill(barcode)
    page.locator("#id_barcode").press("Enter")
    expect(page.get_by_role("status").filter(has_text=TITLES[0][:6])).to_be_visible()
    expect(page.locator("#id_barcode")).to_be_focused()
    assert Item.objects.get(barcode=barcode).status == Item.Status.QUARANTINE


def test_a_librarian_takes_a_phone_order(
    page, live_server, branch, shelf, axe_violations, screenshots_dir
):
    patron = PatronFactory(first_name="Camille", last_name="Lefebvre")
    librarian = StaffFactory(groups=["librarian"], branches=[branch])

    sign_in(page, live_server, librarian)
    page.goto(live_server.url + "/staff/phone-order/")
    page.locator("#id_q").fill("lefeb")
    page.locator("#id_q").press("Enter")
    page.locator(f'a[href="/staff/phone-order/{patron.pk}/"]').click()

    expect(page.locator("#id_channel_0")).to_be_checked()
    page.locator('form[action$="/channel/"] button[type="submit"]').click()
    page.locator("#remote-q").fill("misérables")
    page.locator("#remote-q").press("Enter")
    page.locator('form[action$="/add/"] button[type="submit"]').first.click()
    expect(page.locator(".remote-selection")).to_contain_text("Les Misérables")
    page.locator("#remote-q").fill("bovary")
    page.locator("#remote-q").press("Enter")
    page.locator('form[action$="/add/"] button[type="submit"]').first.click()
    expect(page.locator(".remote-selection .basket-item")).to_have_count(2)
    expect(page.locator(".remote-cap")).to_contain_text("2")
    assert axe_violations(page) == []
    page.screenshot(path=str(screenshots_dir / "staff-phone-order.png"), full_page=True)

    page.locator('form[action$="/submit/"] button[type="submit"]').click()
    # Wait for the confirmation page before reading the database: the POST may still be running.
    expect(page.locator("h1")).to_contain_text("CC-")
    order = Reservation.objects.get(patron=patron)
    expect(page.locator("h1")).to_contain_text(order.reference)
    assert order.channel == Channel.PHONE
    assert order.created_by == librarian
    assert order.lines.count() == 2
    assert axe_violations(page) == []
