"""Two-step verification in a real browser: setting up an app, then giving its code."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.e2e.signing_in import PASSWORD, code_of_key
from tests.factories import BranchFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def test_a_network_admin_sets_up_an_app_on_a_phone_and_signs_in_with_it(
    page, live_server, axe_violations
):
    network_admin = StaffFactory(groups=["network admin"], branches=[BranchFactory()])
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Numéro de carte").fill(network_admin.card_number)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    expect(
        page.get_by_role("heading", name="Configurer la vérification en deux étapes")
    ).to_be_visible()
    expect(page.get_by_role("img", name="Code QR à scanner")).to_be_visible()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    key = page.locator(".qr-code__key").inner_text()

    # A wrong code first: said next to the field, which keeps the focus on the keyboard path.
    page.get_by_label("Code affiché par votre application").fill("000000")
    page.get_by_label("Code affiché par votre application").press("Enter")
    expect(page.get_by_text("Ce code n’est pas le bon")).to_be_visible()
    assert axe_violations(page) == []

    page.wait_for_timeout(1100)  # the wait a wrong code imposes
    page.get_by_label("Code affiché par votre application").fill(code_of_key(key))
    page.get_by_label("Code affiché par votre application").press("Enter")
    expect(page.get_by_role("button", name="Déconnexion")).to_be_visible()

    # Signing in again asks for the code of the app now set up.
    page.get_by_role("button", name="Déconnexion").click()
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Numéro de carte").fill(network_admin.card_number)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", name="Vérification en deux étapes")).to_be_visible()
    assert axe_violations(page) == []
    # The code just used is good once: the app's next one (accepted a step early) signs in.
    # "Next" counts from the step the server accepted, which a 30-second boundary crossed
    # between typing and checking can move: the test must not depend on where in a step it runs.
    used_step = TOTPDevice.objects.get(user=network_admin).last_t
    page.get_by_label("Code affiché par votre application").fill(
        code_of_key(key, at_step=used_step + 1)
    )
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("button", name="Déconnexion")).to_be_visible()
