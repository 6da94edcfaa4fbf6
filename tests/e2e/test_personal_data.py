"""A patron reads the privacy page and their data, then erases their account, in a browser.

In French and English, at desktop and phone widths, axe-clean, and without JavaScript.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from tests.e2e.signing_in import sign_in
from tests.factories import (
    PASSWORD,
    LoanFactory,
    PatronFactory,
    ReservationFactory,
    ReservationLineFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def patron(db):
    patron = PatronFactory(first_name="Zoé", last_name="Martin")
    now = timezone.now()
    order = ReservationFactory(
        patron=patron,
        status="collected",
        submitted_at=now - datetime.timedelta(days=9),
        collected_at=now - datetime.timedelta(days=2),
    )
    ReservationLineFactory(
        reservation=order, status="collected", item__record__title="Les Misérables"
    )
    return patron


def too_wide(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_privacy_my_data_and_erase_pages_are_accessible_on_a_phone(
    page, live_server, axe_violations, patron, language
):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    if language == "en":
        page.get_by_role("button", name="English").click()
    link = {"fr": "Données personnelles et vos droits", "en": "Personal data and your rights"}
    page.get_by_role("link", name=link[language]).click()
    failures = {"privacy": axe_violations(page)}
    assert too_wide(page) <= 0

    sign_in(page, live_server, patron)
    for path in ("/account/data/", "/account/erase/"):
        page.goto(live_server.url + path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        failures[path] = axe_violations(page)
        assert too_wide(page) <= 0, path

    assert {where: found for where, found in failures.items() if found} == {}


def test_a_patron_erases_their_account_without_javascript(browser, live_server, patron):
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server, patron)
    page.goto(live_server.url + "/account/data/")
    expect(page.get_by_text("Les Misérables")).to_be_visible()

    page.get_by_role("link", name="Effacer mon compte").click()
    page.get_by_label("Votre mot de passe, pour confirmer").fill("not my password")
    page.get_by_role("button", name="Effacer mon compte").click()
    expect(page.get_by_text("Ce n’est pas votre mot de passe.")).to_be_visible()

    page.get_by_label("Votre mot de passe, pour confirmer").fill(PASSWORD)
    page.get_by_role("button", name="Effacer mon compte").click()

    expect(page.get_by_text("Votre compte est effacé.")).to_be_visible()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    assert not User.objects.filter(pk=patron.pk).exists()
    context.close()


def test_a_patron_with_a_document_out_is_told_what_to_do_first(page, live_server, patron):
    LoanFactory(patron=patron)
    sign_in(page, live_server, patron)

    page.goto(live_server.url + "/account/erase/")

    expect(page.get_by_role("alert")).to_contain_text("1 document est en prêt")
    expect(page.get_by_label("Votre mot de passe, pour confirmer")).to_have_count(0)
