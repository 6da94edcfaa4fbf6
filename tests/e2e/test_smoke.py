"""Smoke test of the public site in a real browser: language, keyboard, accessibility, phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import BranchFactory, PatronFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_is_in_french_and_lists_the_branches(page, live_server):
    BranchFactory(name="Médiathèque Václav Havel", address="26 esplanade Nathalie Sarraute")
    BranchFactory(name="Bibliothèque Forney", click_and_collect_enabled=False)

    page.goto(live_server.url)

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Réservez en ligne, retirez à la bibliothèque"
    )
    branch = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Médiathèque Václav Havel")
    )
    expect(branch).to_contain_text("26 esplanade Nathalie Sarraute")
    expect(page.get_by_text("Bibliothèque Forney")).to_have_count(0)
    for landmark in ("banner", "navigation", "main", "contentinfo"):
        expect(page.get_by_role(landmark)).to_have_count(1)


def test_skip_link_comes_first_and_leads_to_the_content(page, live_server):
    page.goto(live_server.url)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Aller au contenu")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main")).to_be_focused()


def test_keyboard_focus_is_always_visible(page, live_server):
    page.goto(live_server.url)

    for _ in range(6):
        page.keyboard.press("Tab")
        style = page.evaluate(
            """() => {
                const style = getComputedStyle(document.activeElement);
                return {tag: document.activeElement.outerHTML.slice(0, 80),
                        outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
            }"""
        )
        assert style["outline"] != "none" and style["width"] >= 2, style


def test_switching_to_english_lasts_for_the_next_pages(page, live_server):
    page.goto(live_server.url)

    page.get_by_role("button", name="English").focus()
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Reserve online, collect at your library"
    )
    page.get_by_role("banner").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Français").click()
    expect(page).to_have_url(live_server.url + "/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")


def test_patron_signs_in_with_the_card_number_and_signs_out(page, live_server):
    patron = PatronFactory(first_name="Camille")
    page.goto(live_server.url + "/accounts/login/")

    page.get_by_label("Numéro de carte").fill(patron.card_number)
    page.get_by_label("Mot de passe", exact=True).fill("wrong password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("numéro de carte et un mot de passe valides")

    page.get_by_label("Mot de passe", exact=True).fill("correct horse battery")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("banner")).to_contain_text("Bonjour, Camille")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/login/?failed"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_pages_have_no_serious_accessibility_violation(
    page, live_server, axe_violations, path, language
):
    BranchFactory.create_batch(3)
    page.goto(live_server.url + path)
    if language == "en":
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    if path.endswith("?failed"):
        # The error state is where forms most often lose their labels and contrast.
        page.locator("#id_username").fill("00000000")
        page.locator("#id_password").fill("not the password")
        page.locator("form.card").get_by_role("button").click()
        expect(page.get_by_role("alert")).to_be_visible()

    assert axe_violations(page) == []


@pytest.mark.parametrize("width", [320, 375])
def test_phone_screen_never_scrolls_sideways(page, live_server, width):
    BranchFactory(
        name="Bibliothèque patrimoniale et médiathèque intercommunale Marguerite-Yourcenar"
    )
    BranchFactory.create_batch(4)
    page.set_viewport_size({"width": width, "height": 740})

    for path in ("/", "/accounts/login/", "/no-such-page/"):
        page.goto(live_server.url + path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px too wide at {width}px"
