"""A librarian works the queue in a real browser: claim the oldest order, scan two copies,
report one missing, mark it ready (the patron is told), print the bag slip; the pull list.
Every page is checked with axe-core and pictured (`make screenshots`: docs/screenshots/).
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import Notification
from reservations.models import LineStatus, Reservation, ReservationStatus
from tests.factories import (
    BranchFactory,
    DocumentTypeFactory,
    ItemFactory,
    PatronFactory,
    RecordFactory,
    ReservationFactory,
    ReservationLineFactory,
    StaffFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def order_of(branch, patron, titles, *, hours_left, call_numbers):
    submitted = timezone.now() - timedelta(hours=24 - hours_left)
    order = ReservationFactory(
        branch=branch,
        patron=patron,
        submitted_at=submitted,
        processing_deadline=submitted + timedelta(hours=24),
    )
    book = DocumentTypeFactory()
    for title, call_number in zip(titles, call_numbers, strict=True):
        item = ItemFactory(
            branch=branch,
            status="held",
            call_number=call_number,
            record=RecordFactory(title=title, document_type=book),
        )
        ReservationLineFactory(reservation=order, item=item, record=item.record)
    return order


def test_a_librarian_prepares_the_oldest_order(page, live_server, axe_violations, screenshots_dir):
    branch = BranchFactory(name="Médiathèque Václav Havel")
    librarian = StaffFactory(
        groups=["librarian"], branches=[branch], first_name="Dominique", last_name="Martin"
    )
    camille = PatronFactory(first_name="Camille", last_name="Dupont", card_number="2001234567")
    oldest = order_of(
        branch,
        camille,
        ["Les Misérables", "Madame Bovary", "Le Petit Prince"],
        hours_left=-2,
        call_numbers=["R HUG", "R FLA", "J SAI"],
    )
    order_of(
        branch,
        PatronFactory(first_name="Léa", last_name="Bernard"),
        ["L’Étranger", "Bonjour tristesse"],
        hours_left=3,
        call_numbers=["R CAM", "R SAG"],
    )
    order_of(
        branch,
        PatronFactory(first_name="Hugo", last_name="Petit"),
        ["Vingt mille lieues sous les mers"],
        hours_left=20,
        call_numbers=["R VER"],
    )
    other = BranchFactory(name="Bibliothèque Goutte d’Or")
    elsewhere = order_of(
        other,
        PatronFactory(),
        ["Le Comte de Monte-Cristo"],
        hours_left=1,
        call_numbers=["R DUM"],
    )

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/?next=/staff/queue/")
    page.locator("#id_username").fill(librarian.card_number)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")

    # The queue: the oldest deadline first, overdue and due-soon said in words.
    expect(page).to_have_url(live_server.url + "/staff/queue/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Commandes à préparer")
    rows = page.locator(".queue-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(oldest.reference)
    expect(rows.first).to_contain_text("en retard de 2 h")
    expect(rows.nth(1)).to_contain_text("Échéance proche · dans")
    expect(page.locator("main")).not_to_contain_text(elsewhere.reference)
    assert axe_violations(page) == []
    page.screenshot(path=str(screenshots_dir / "staff-queue.png"), full_page=True)

    # Claim the oldest: its page opens, the scan field has the focus.
    rows.first.get_by_role("button", name="Je la prépare").click()
    expect(page).to_have_url(live_server.url + f"/staff/orders/{oldest.reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(oldest.reference)
    expect(page.locator("main")).to_contain_text("••••••4567")
    expect(page.locator("main")).not_to_contain_text("2001234567")
    scan = page.get_by_label("Scannez le code-barres d’un exemplaire")
    expect(scan).to_be_focused()

    lines = {line.record.title: line for line in oldest.lines.select_related("item", "record")}
    # A scanner types the barcode then Enter.
    scan.type(lines["Les Misérables"].item.barcode)
    scan.press("Enter")
    expect(page.locator(".messages")).to_contain_text("« Les Misérables » pris en rayon")
    scan = page.get_by_label("Scannez le code-barres d’un exemplaire")
    expect(scan).to_be_focused()

    # A wrong copy: a clear error next to the field, with an icon and words, nothing changes.
    scan.type(elsewhere.lines.get().item.barcode)
    scan.press("Enter")
    error = page.locator(".scan-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Non effectué")
    expect(error).to_have_attribute("role", "alert")

    scan = page.get_by_label("Scannez le code-barres d’un exemplaire")
    scan.type(lines["Madame Bovary"].item.barcode)
    scan.press("Enter")
    expect(page.locator(".messages")).to_contain_text("« Madame Bovary » pris en rayon")
    expect(page.locator(".line-status--picked")).to_have_count(2)
    assert axe_violations(page) == []

    # The third is not on the shelf, and there is no other copy.
    page.get_by_role("button", name="Pas en rayon : Le Petit Prince").click()
    expect(page.locator(".messages")).to_contain_text(
        "Aucun autre exemplaire de « Le Petit Prince »"
    )
    expect(page.locator(".line-status--unavailable")).to_have_count(1)
    page.screenshot(path=str(screenshots_dir / "staff-prepare.png"), full_page=True)

    # Ready: the patron is told, the bag slip opens.
    page.get_by_role("button", name="Prête : la mettre à l’accueil").click()
    expect(page).to_have_url(live_server.url + f"/staff/orders/{oldest.reference}/slip/")
    oldest.refresh_from_db()
    assert oldest.status == ReservationStatus.READY
    assert oldest.prepared_by == librarian
    assert Notification.objects.filter(kind="reservation_ready", recipient=camille).exists()
    assert list(oldest.lines.order_by("record__title").values_list("record__title", "status")) == [
        ("Le Petit Prince", LineStatus.UNAVAILABLE),
        ("Les Misérables", LineStatus.PICKED),
        ("Madame Bovary", LineStatus.PICKED),
    ]
    slip = page.locator(".slip")
    expect(slip.locator(".slip__reference")).to_have_text(oldest.reference)
    expect(
        slip.get_by_role("img", name=f"QR code de la commande {oldest.reference}")
    ).to_be_visible()
    expect(slip).to_contain_text("Camille Dupont")
    expect(slip).to_contain_text("••••••4567")
    expect(slip).to_contain_text("Médiathèque Václav Havel")
    expect(slip).to_contain_text("Madame Bovary")
    expect(slip).not_to_contain_text("Le Petit Prince")
    assert axe_violations(page) == []
    page.screenshot(path=str(screenshots_dir / "staff-slip.png"), full_page=True)

    # The pull list: what is left on the shelves, by call number; scan from it.
    page.get_by_role("link", name="Liste à prendre en rayon").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Médiathèque Václav Havel")
    pull_rows = page.locator(".pull-table tbody tr")
    expect(pull_rows).to_have_count(3)
    expect(pull_rows.first).to_contain_text("R CAM")
    expect(pull_rows.last).to_contain_text("R VER")
    assert axe_violations(page) == []
    page.screenshot(path=str(screenshots_dir / "staff-pull-list.png"), full_page=True)
    scan = page.get_by_label("Scannez le code-barres d’un exemplaire")
    expect(scan).to_be_focused()
    barcode = Reservation.objects.get(patron__first_name="Hugo").lines.get().item.barcode
    scan.type(barcode)
    scan.press("Enter")
    expect(page.locator(".messages")).to_contain_text("« Vingt mille lieues sous les mers »")
    expect(pull_rows).to_have_count(2)
