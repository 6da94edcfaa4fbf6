"""Signing in from the browser: the site's form (patrons, staff) and the admin's."""

from playwright.sync_api import expect

# The password tests/factories.py gives every user it makes.
PASSWORD = "correct horse battery"


def sign_in(page, live_server, user) -> None:
    """Sign in through the site's form and wait until it has let the user in."""
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill(user.card_number)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.locator("#id_username")).to_have_count(0)


def log_in_to_the_admin(page, live_server, user) -> None:
    """Sign in through the admin's form (in French, the default language)."""
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Numéro de carte").fill(user.card_number)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("button", name="Déconnexion")).to_be_visible()
