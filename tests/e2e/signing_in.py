"""Signing in from the browser: the site's form (patrons, staff) and the admin's."""

import base64

from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.factories import PASSWORD


def sign_in(page, live_server, user) -> None:
    """Sign in through the site's form and wait until it has let the user in."""
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill(user.card_number)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.locator("#id_username")).to_have_count(0)


def log_in_to_the_admin(page, live_server, user) -> None:
    """Sign in through the admin's form (in French, the default language).

    Then set up two-step verification as a first-time user does: type the key the
    page shows into an "app" (django-otp's TOTP, on the suite's clock) and give its code.
    """
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Numéro de carte").fill(user.card_number)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    key = page.locator(".qr-code__key").inner_text()
    page.get_by_label("Code affiché par votre application").fill(code_of_key(key))
    page.get_by_role("button", name="Activer la vérification en deux étapes").click()
    expect(page.get_by_role("button", name="Déconnexion")).to_be_visible()


def code_of_key(key: str, at_step: int | None = None) -> str:
    """What an authenticator app shows for a key typed in from the setup page.

    Now on the suite's clock, which the live server shares, or at a given 30-second step.
    """
    typed = key.replace(" ", "")
    secret = base64.b32decode(typed + "=" * (-len(typed) % 8))
    totp = TOTP(secret, step=30, t0=0, digits=6, drift=0)
    if at_step is not None:
        totp.time = at_step * 30
    return f"{totp.token():06d}"
