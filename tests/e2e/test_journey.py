"""The patron's journey in a real browser: basket of 5, a 6th refused, nearest branch by postcode,
the order and its e-mail; in French, in English and on a phone. `make screenshots` saves
its pictures to docs/screenshots/.
"""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from branches.models import PostcodeArea
from reservations.models import Reservation
from tests.factories import BranchFactory, ItemFactory, LoanFactory, PatronFactory, RecordFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"

# Real places of the Paris network, and the centres of their arrondissements.
BRANCHES = [
    (
        "Médiathèque Václav Havel",
        "26 esplanade Nathalie Sarraute",
        "75018",
        "48.889950",
        "2.359870",
    ),
    ("Bibliothèque Goutte d’Or", "2-4 rue Fleury", "75018", "48.884750", "2.354580"),
    ("Médiathèque Françoise Sagan", "8 rue Léon Schwartzenberg", "75010", "48.876400", "2.357600"),
    ("Médiathèque Marguerite Duras", "115 rue de Bagnolet", "75020", "48.857000", "2.405000"),
]
POSTCODES = [
    ("75010", "Paris 10e", "48.876130", "2.360728"),
    ("75018", "Paris 18e", "48.892569", "2.348161"),
    ("75020", "Paris 20e", "48.863461", "2.401188"),
]
TITLES = [
    "Les Misérables",
    "Madame Bovary",
    "Le Petit Prince",
    "L’Étranger",
    "Bonjour tristesse",
    "Vingt mille lieues sous les mers",
    "Le Comte de Monte-Cristo",
]

TEXT = {
    "fr": {
        "added": "est dans votre panier",
        "refused": "Vous pouvez avoir au plus 5 documents",
        "cap": "5 documents utilisés sur 5",
        "postcode": "Votre code postal",
        "show": "Voir les bibliothèques les plus proches",
        "sorted": "du code postal 75010",
        "confirm": "Confirmer la commande",
        "thanks": "Merci ! Votre commande",
        "orders": "Mes commandes",
        "received": "Reçue",
        "subject": re.compile(r"commande", re.I),
    },
    "en": {
        "added": "is in your basket",
        "refused": "You can have at most 5 documents",
        "cap": "5 of 5 documents used",
        "postcode": "Your postcode",
        "show": "Show the nearest libraries",
        "sorted": "from postcode 75010",
        "confirm": "Confirm the order",
        "thanks": "Thank you! Your order",
        "orders": "My orders",
        "received": "Received",
        "subject": re.compile(r"order", re.I),
    },
}


@pytest.fixture
def network():
    """Four branches with real coordinates, the arrondissements, seven documents on every shelf."""
    for postcode, label, latitude, longitude in POSTCODES:
        PostcodeArea.objects.create(
            postcode=postcode, label=label, latitude=Decimal(latitude), longitude=Decimal(longitude)
        )
    branches = [
        BranchFactory(
            name=name,
            address=address,
            postcode=postcode,
            latitude=Decimal(latitude),
            longitude=Decimal(longitude),
            hours=[(day, "13:00", "19:00") for day in range(1, 5)] + [(5, "10:00", "18:00")],
        )
        for name, address, postcode, latitude, longitude in BRANCHES
    ]
    records = [RecordFactory(title=title, creators="Auteur classique") for title in TITLES]
    for record in records:
        for branch in branches:
            ItemFactory(record=record, branch=branch)
    return {"branches": branches, "records": records}


@pytest.fixture
def shoot(screenshots_dir):
    def take(page, name: str) -> None:
        page.screenshot(path=str(screenshots_dir / f"{name}.png"), full_page=True)

    return take


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px too wide"


@pytest.mark.parametrize(
    "language, phone",
    [("fr", False), ("en", False), ("fr", True)],
    ids=["fr", "en", "phone"],
)
def test_patron_reserves_five_documents_at_the_nearest_branch(
    page, live_server, network, axe_violations, mailoutbox, language, phone, shoot, midday
):
    text = TEXT[language]
    prefix = f"journey-{'phone' if phone else language}"
    if phone:
        page.set_viewport_size({"width": 375, "height": 740})
    patron = PatronFactory(first_name="Camille", email="camille@example.org")
    LoanFactory(
        patron=patron,
        item=ItemFactory(
            record=RecordFactory(title="Les Fleurs du mal"),
            branch=network["branches"][0],
            status="on_loan",
        ),
        due_on=midday - datetime.timedelta(days=2),
    )
    LoanFactory(
        patron=patron,
        item=ItemFactory(
            record=RecordFactory(title="Notre-Dame de Paris"),
            branch=network["branches"][1],
            status="on_loan",
        ),
    )
    records = network["records"]

    # Sign in (in English: switch first; the choice becomes the patron's language).
    page.goto(live_server.url + "/accounts/login/")
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#id_username").fill(patron.card_number)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.get_by_role("banner")).to_contain_text("Camille")

    # Five documents from their record pages.
    for number, record in enumerate(records[:5], start=1):
        page.goto(f"{live_server.url}/catalog/{record.pk}/")
        page.locator('form[action="/basket/add/"]').get_by_role("button").click()
        expect(page.get_by_role("status").filter(has_text=text["added"])).to_be_visible()
        if number == 1:
            shoot(page, f"{prefix}-1-record")

    # A sixth is refused, with the rule.
    page.goto(f"{live_server.url}/catalog/{records[5].pk}/")
    page.locator('form[action="/basket/add/"]').get_by_role("button").click()
    expect(page.get_by_role("alert")).to_contain_text(text["refused"])
    shoot(page, f"{prefix}-2-sixth-refused")

    # The basket: the cap up front, the five documents.
    page.goto(live_server.url + "/basket/")
    expect(page.locator(".cap__count")).to_have_text(text["cap"])
    expect(page.locator(".basket-item")).to_have_count(5)
    assert axe_violations(page) == []
    if phone:
        no_sideways_scroll(page)
    shoot(page, f"{prefix}-3-basket")

    # The nearest branch from a postcode.
    page.get_by_label(text["postcode"]).fill("75010")
    page.get_by_role("button", name=text["show"]).click()
    expect(page.locator(".position-source")).to_contain_text(text["sorted"])
    nearest = page.locator(".branch-option").first
    expect(nearest).to_contain_text("Médiathèque Françoise Sagan")
    expect(nearest).to_contain_text("5")
    radio = nearest.get_by_role("radio")
    expect(radio).to_be_checked()
    assert axe_violations(page) == []
    shoot(page, f"{prefix}-4-nearest-branch")

    radio.check()
    page.get_by_role("button", name=text["confirm"]).click()

    # The order, on the orders page.
    expect(page).to_have_url(live_server.url + "/account/reservations/")
    order = Reservation.objects.get(patron=patron)
    expect(page.get_by_role("status").filter(has_text=text["thanks"])).to_contain_text(
        order.reference
    )
    card = page.locator(".order").first
    expect(card).to_contain_text(order.reference)
    expect(card).to_contain_text("Médiathèque Françoise Sagan")
    expect(card.locator('[aria-current="step"]')).to_contain_text(text["received"])
    expect(card.locator(".order-line")).to_have_count(5)
    assert order.branch.name == "Médiathèque Françoise Sagan"
    shoot(page, f"{prefix}-5-orders")
    # Scanned with the success message on the page.
    assert axe_violations(page) == []
    if phone:
        no_sideways_scroll(page)

    # The confirmation e-mail, sent by the live server in this process.
    received = [mail for mail in mailoutbox if mail.to == ["camille@example.org"]]
    assert len(received) == 1
    assert text["subject"].search(received[0].subject)
    assert order.reference in received[0].body

    # The loans: the overdue one first and marked.
    page.get_by_role("navigation", name=re.compile("menu", re.I)).get_by_role(
        "link", name=re.compile("prêts|loans", re.I)
    ).click()
    expect(page.locator(".loan").first).to_contain_text("Les Fleurs du mal")
    expect(page.locator(".loan--overdue")).to_have_count(1)
    assert axe_violations(page) == []
    if phone:
        no_sideways_scroll(page)
    shoot(page, f"{prefix}-6-loans")
