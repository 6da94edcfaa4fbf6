"""The branches, help and password pages in a real browser: accessibility, phone, no JavaScript."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from branches.models import PostcodeArea
from tests.factories import BranchFactory, ClosureFactory, PatronFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def paris_branches(midday):
    """Four Paris libraries as the demo has them, and the postcode of the 15th arrondissement."""
    afternoons = [(day, "13:00", "19:00") for day in range(1, 5)] + [(5, "10:00", "18:00")]
    havel = BranchFactory(
        code="vaclav-havel",
        name="Médiathèque Václav Havel",
        address="26 esplanade Nathalie Sarraute",
        postcode="75018",
        latitude=Decimal("48.889950"),
        longitude=Decimal("2.359870"),
        phone="01 40 38 65 40",
        email="bib.vaclavhavel@paris.fr",
        accepts_phone_orders=True,
        processing_hours=48,
        hours=afternoons,
    )
    BranchFactory(
        code="canopee",
        name="Médiathèque de la Canopée la fontaine",
        address="10 passage de la Canopée",
        postcode="75001",
        latitude=Decimal("48.861819"),
        longitude=Decimal("2.347644"),
        phone="01 44 50 76 56",
        email="bib.canopee@paris.fr",
        accepts_email_orders=True,
        hours=[(day, "10:00", "13:00") for day in range(1, 7)]
        + [(day, "14:00", "19:00") for day in range(1, 7)],
    )
    yourcenar = BranchFactory(
        code="marguerite-yourcenar",
        name="Médiathèque Marguerite Yourcenar",
        address="41 rue d'Alleray",
        postcode="75015",
        latitude=Decimal("48.838390"),
        longitude=Decimal("2.300460"),
        phone="01 45 30 71 41",
        pickup_days=7,
    )
    BranchFactory(
        code="forney",
        name="Bibliothèque Forney",
        address="1 rue du Figuier",
        postcode="75004",
        latitude=Decimal("48.853410"),
        longitude=Decimal("2.359960"),
        click_and_collect_enabled=False,
    )
    today = midday
    ClosureFactory(
        branch=havel,
        starts_on=today + datetime.timedelta(days=12),
        ends_on=today + datetime.timedelta(days=15),
        reason="Inventaire",
    )
    ClosureFactory(
        branch=yourcenar,
        starts_on=today + datetime.timedelta(days=30),
        reason="Formation du personnel",
    )
    PostcodeArea.objects.create(
        postcode="75015", label="Paris 15e", latitude="48.840085", longitude="2.292826"
    )
    PostcodeArea.objects.create(
        postcode="75018", label="Paris 18e", latitude="48.892569", longitude="2.348161"
    )


def sign_in(page, live_server, patron, next_path=""):
    page.goto(live_server.url + "/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.locator("#id_username").fill(patron.card_number)
    page.locator("#id_password").fill("correct horse battery")
    page.locator("form.card").get_by_role("button").click()


def branch_names(page) -> list[str]:
    return page.locator(".branch-entry__name").all_inner_texts()


class TestBranches:
    def test_a_postcode_sorts_the_libraries_without_javascript(
        self, browser, live_server, paris_branches
    ):
        context = browser.new_context(java_script_enabled=False, locale="fr-FR")
        page = context.new_page()
        page.goto(live_server.url + "/branches/")
        expect(page.get_by_role("button", name="Utiliser ma position")).to_be_hidden()

        page.get_by_label("Votre code postal").fill("75015")
        page.get_by_role("button", name="Trier par distance").click()

        expect(page).to_have_url(re.compile(r"/branches/\?postcode=75015$"))
        assert branch_names(page)[0] == "Médiathèque Marguerite Yourcenar"
        expect(page.get_by_text("Les plus proches du code postal 75015 d'abord.")).to_be_visible()
        context.close()

    def test_use_my_location_sorts_from_the_browser_position(
        self, browser, live_server, paris_branches
    ):
        context = browser.new_context(
            locale="fr-FR",
            geolocation={"latitude": 48.8625, "longitude": 2.3470},
            permissions=["geolocation"],
        )
        page = context.new_page()
        page.goto(live_server.url + "/branches/")

        page.get_by_role("button", name="Utiliser ma position").click()

        expect(page).to_have_url(re.compile(r"\?lat=48\.86250&lon=2\.34700$"))
        assert branch_names(page)[0] == "Médiathèque de la Canopée la fontaine"
        context.close()

    def test_an_unknown_postcode_is_announced(self, page, live_server, paris_branches):
        page.goto(live_server.url + "/branches/")

        page.get_by_label("Votre code postal").fill("99999")
        page.get_by_label("Votre code postal").press("Enter")

        expect(page.get_by_role("alert")).to_contain_text("Code postal « 99999 » introuvable.")
        expect(page.get_by_label("Votre code postal")).to_have_attribute("aria-invalid", "true")

    def test_far_from_any_library_a_notice_says_so(self, page, live_server, paris_branches):
        # The Bois de Vincennes, 4 km from the nearest library of the fixture.
        page.goto(live_server.url + "/branches/?lat=48.8330&lon=2.4330")

        expect(
            page.get_by_role("heading", name="Pas de bibliothèque click & collect tout près")
        ).to_be_visible()

    def test_screenshots(self, page, live_server, paris_branches, screenshots_dir):
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.goto(live_server.url + "/branches/?postcode=75018")
            page.screenshot(path=screenshots_dir / f"branches-fr-{name}.png", full_page=True)
            page.goto(live_server.url + "/help/")
            page.screenshot(path=screenshots_dir / f"help-fr-{name}.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.goto(live_server.url + "/accounts/password-reset/")
        page.screenshot(path=screenshots_dir / "password-reset-fr-phone.png", full_page=True)


class TestHelp:
    def test_the_table_of_contents_leads_to_the_questions(self, page, live_server):
        page.goto(live_server.url + "/help/")

        page.get_by_role("navigation", name="Sur cette page").get_by_role(
            "link", name="Questions fréquentes"
        ).click()

        expect(page).to_have_url(re.compile(r"/help/#faq$"))
        expect(page.get_by_role("heading", name="Quelqu'un peut-il retirer")).to_be_in_viewport()

    def test_headings_come_in_order(self, page, live_server, paris_branches):
        for path in ("/help/", "/branches/", "/accounts/password-reset/"):
            page.goto(live_server.url + path)
            levels = page.evaluate(
                "() => [...document.querySelectorAll('main h1, main h2, main h3, main h4')]"
                ".map(h => Number(h.tagName[1]))"
            )
            assert levels[0] == 1, path
            assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (path, levels)


class TestPasswordReset:
    def test_patron_chooses_a_new_password_and_signs_in_with_it(
        self, page, live_server, mailoutbox, settings
    ):
        patron = PatronFactory(email="camille@example.org", first_name="Camille")
        page.goto(live_server.url + "/accounts/login/")

        page.get_by_role("link", name="Mot de passe oublié ?").click()
        page.get_by_label("Adresse e-mail").fill("camille@example.org")
        page.get_by_role("button", name="M'envoyer un lien").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Consultez vos e-mails")
        (message,) = mailoutbox
        link = re.search(r"/accounts/password-reset/\S+/\S+/", message.body).group(0)
        page.goto(live_server.url + link)
        page.get_by_label("Nouveau mot de passe", exact=True).fill("a brand new library password")
        page.get_by_label("Confirmation du nouveau mot de passe").fill(
            "a brand new library password"
        )
        page.get_by_role("button", name="Enregistrer mon nouveau mot de passe").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe modifié")

        page.locator("main").get_by_role("link", name="Se connecter").click()
        page.locator("#id_username").fill(patron.card_number)
        page.locator("#id_password").fill("a brand new library password")
        page.locator("form.card").get_by_role("button").click()
        expect(page.get_by_role("banner")).to_contain_text("Bonjour, Camille")


class TestExpiredMembership:
    def test_the_warning_is_shown_after_signing_in(self, page, live_server):
        patron = PatronFactory(membership_expires_on=datetime.date(2025, 9, 30))

        sign_in(page, live_server, patron)

        expect(page.get_by_role("status").filter(has_text="a pris fin")).to_contain_text(
            "Votre adhésion a pris fin le 30 septembre 2025"
        )


def reset_pages(page, live_server, mailoutbox):
    """Yield each password page in turn, with the page loaded in the browser."""
    PatronFactory(email="camille@example.org")
    page.goto(live_server.url + "/accounts/password-reset/")
    yield "form"
    page.get_by_role("button").filter(has_text=re.compile("lien|link")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    yield "form with an error"
    page.locator("#id_email").fill("camille@example.org")
    page.locator("form.card").get_by_role("button").click()
    expect(page).to_have_url(re.compile("/sent/$"))
    yield "sent"
    link = re.search(r"/accounts/password-reset/\S+/\S+/", mailoutbox[0].body).group(0)
    page.goto(live_server.url + link)
    yield "new password"
    page.locator("#id_new_password1").fill("short")
    page.locator("#id_new_password2").fill("different")
    page.locator("form.card").get_by_role("button").click()
    expect(page.get_by_role("alert")).to_be_visible()
    yield "new password with errors"
    page.locator("#id_new_password1").fill("a brand new library password")
    page.locator("#id_new_password2").fill("a brand new library password")
    page.locator("form.card").get_by_role("button").click()
    expect(page).to_have_url(re.compile("/done/$"))
    yield "complete"
    page.goto(live_server.url + link)
    yield "used link"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_pages_have_no_serious_accessibility_violation(
    page, live_server, axe_violations, paris_branches, mailoutbox, language
):
    page.goto(live_server.url + "/")
    if language == "en":
        page.get_by_role("button", name="English").click()
    failures = {}
    for path in ("/branches/", "/branches/?postcode=75015", "/branches/?postcode=00000", "/help/"):
        page.goto(live_server.url + path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        failures[path] = axe_violations(page)
    for state in reset_pages(page, live_server, mailoutbox):
        expect(page.locator("html")).to_have_attribute("lang", language)
        failures[state] = axe_violations(page)
    patron = PatronFactory(membership_expires_on=datetime.date(2025, 9, 30))
    sign_in(page, live_server, patron, next_path="/accounts/login/")
    expect(page.locator(".message--warning")).to_be_visible()
    failures["login with the expired message"] = axe_violations(page)

    assert {where: found for where, found in failures.items() if found} == {}


@pytest.mark.parametrize("width", [320, 375])
def test_phone_screen_never_scrolls_sideways(page, live_server, paris_branches, width):
    page.set_viewport_size({"width": width, "height": 740})

    for path in (
        "/branches/",
        "/branches/?postcode=75015",
        "/branches/?postcode=" + "9" * 20,
        "/help/",
        "/accounts/password-reset/",
        "/accounts/password-reset/sent/",
        "/accounts/password-reset/MQ/bad-token/",
        "/accounts/password-reset/done/",
    ):
        page.goto(live_server.url + path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px too wide at {width}px"
