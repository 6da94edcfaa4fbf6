"""The catalogue in a real browser: search in French, open a record, accessibility, phone."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from branches.models import PostcodeArea
from tests.factories import BranchFactory, ItemFactory, RecordFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def catalogue():
    havel = BranchFactory(
        code="havel",
        name="Médiathèque Václav Havel",
        latitude=Decimal("48.889950"),
        longitude=Decimal("2.359870"),
    )
    brassens = BranchFactory(
        code="brassens",
        name="Bibliothèque Georges Brassens",
        latitude=Decimal("48.831980"),
        longitude=Decimal("2.304890"),
        postcode="75014",
    )
    PostcodeArea.objects.create(
        postcode="75014", latitude=Decimal("48.8331"), longitude=Decimal("2.3264")
    )
    ecume = RecordFactory(
        title="L'Écume des jours",
        creators="Vian, Boris",
        publisher="Gallimard",
        year=1947,
        subjects="Roman français",
        summary="Colin rencontre Chloé.",
    )
    ItemFactory(record=ecume, branch=havel, call_number="R VIA")
    ItemFactory.create_batch(2, record=ecume, branch=brassens, call_number="R VIA")
    RecordFactory(title="Journal d'un curé de campagne", creators="Bernanos, Georges")
    return ecume


def scrolls_sideways(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


def test_search_in_french_then_open_the_record(page, live_server, catalogue, axe_violations):
    page.goto(f"{live_server.url}/catalog/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rechercher dans le catalogue")
    assert axe_violations(page) == []

    page.get_by_label("Rechercher dans le catalogue").fill("ecume des jours")
    page.get_by_role("button", name="Rechercher", exact=True).click()

    expect(page.get_by_role("heading", level=2, name="1 résultat")).to_be_visible()
    hit = page.get_by_role("listitem").filter(has_text="L'Écume des jours")
    expect(hit).to_contain_text("Vian, Boris")
    expect(hit).to_contain_text("3 exemplaires en rayon")
    assert axe_violations(page) == []

    hit.get_by_role("link", name="L'Écume des jours").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("L'Écume des jours")
    expect(page.get_by_role("button", name="Ajouter au panier")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Votre code postal").fill("75014")
    page.get_by_role("button", name="Trier par distance").click()

    names = page.locator(".availability__name")
    expect(names.first).to_have_text("Bibliothèque Georges Brassens")
    expect(page.locator(".availability__branch").first).to_contain_text("km")
    assert axe_violations(page) == []


def test_misspelt_search_offers_the_corrected_words(page, live_server, catalogue):
    page.goto(f"{live_server.url}/catalog/?q=ecume+des+jour")

    expect(page.get_by_role("link", name="L'Écume des jours")).to_be_visible()


@pytest.mark.parametrize("path", ["/catalog/?q=ecume", "record"])
def test_phone_viewport_has_no_horizontal_scroll(page, live_server, catalogue, path):
    page.set_viewport_size(PHONE)
    url = f"/catalog/{catalogue.pk}/" if path == "record" else path

    page.goto(live_server.url + url)

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert not scrolls_sideways(page)
