"""Choosing a new password by e-mail, with Django's auth views in the site's layout."""

import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.factories import PatronFactory

# The e-mail goes through the outbox, sent once the request's transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a brand new library password"


def reset_link(message) -> str:
    return re.search(r"https?://\S+/accounts/password-reset/\S+/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def can_sign_in(client, patron, password) -> bool:
    client.logout()
    client.post("/accounts/login/", {"username": patron.card_number, "password": password})
    return "_auth_user_id" in client.session


class TestPages:
    def test_login_page_links_to_the_reset(self, client):
        response = client.get("/accounts/login/")

        assertContains(
            response,
            '<a href="/accounts/password-reset/">Mot de passe oublié\u00a0?</a>',
            html=True,
        )

    def test_reset_page_asks_for_the_email_and_helps_those_without(self, client):
        response = client.get("/accounts/password-reset/")

        assert response.status_code == 200
        assertContains(response, "<h1>Mot de passe oublié</h1>", html=True)
        assertContains(
            response,
            '<label class="field__label" for="id_email">Adresse e-mail</label>',
            html=True,
        )
        assertContains(response, 'autocomplete="email"')
        assertContains(response, "Pas d'adresse e-mail sur votre compte\u00a0?")
        assertContains(response, "Adressez-vous à votre bibliothèque")
        assertContains(response, '<link rel="stylesheet" href="/static/css/site.css">')

    def test_reset_page_in_english(self, client):
        response = client.get("/accounts/password-reset/", headers={"accept-language": "en"})

        assertContains(response, "Forgotten password")
        assertContains(response, "No e-mail address on your account?")

    def test_a_malformed_address_is_refused_with_a_message(self, client, mailoutbox):
        response = client.post("/accounts/password-reset/", {"email": "not an address"})

        assert response.status_code == 200
        assertContains(response, 'role="alert"')
        assertContains(response, "Saisissez une adresse de courriel valide.")
        assert mailoutbox == []


class TestFlow:
    def test_patron_resets_the_password_by_email_in_french(self, client, mailoutbox, settings):
        settings.SITE_URL = "https://cc.bibliotheques.example"
        settings.NETWORK_NAME = "Bibliothèques de Paris"
        patron = PatronFactory(email="camille@example.org", first_name="Camille")

        response = client.post("/accounts/password-reset/", {"email": "CAMILLE@example.org"})

        assertRedirects(response, "/accounts/password-reset/sent/")
        assertContains(client.get("/accounts/password-reset/sent/"), "Consultez vos e-mails")
        (message,) = mailoutbox
        assert message.to == ["camille@example.org"]
        assert message.subject == "Votre nouveau mot de passe pour Bibliothèques de Paris"
        assert "Bonjour Camille," in message.body
        assert patron.masked_card_number in message.body
        assert patron.card_number not in message.body
        link = reset_link(message)
        assert link.startswith("https://cc.bibliotheques.example/accounts/password-reset/")

        # Django swaps the token for a session key, then shows the form.
        response = client.get(path_of(link), follow=True)
        assertContains(response, "<h1>Choisissez un nouveau mot de passe</h1>", html=True)
        form_url = response.redirect_chain[-1][0]
        response = client.post(
            form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assertRedirects(response, "/accounts/password-reset/done/")
        complete = client.get("/accounts/password-reset/done/")
        assertContains(complete, "Votre nouveau mot de passe est enregistré.")
        assertContains(complete, 'href="/accounts/login/"')

        assert can_sign_in(client, patron, NEW_PASSWORD)
        assert not can_sign_in(client, patron, "correct horse battery")

    def test_the_email_is_in_the_patron_language(self, client, mailoutbox):
        patron = PatronFactory(email="sam@example.org", first_name="Sam", preferred_language="en")

        client.post("/accounts/password-reset/", {"email": "sam@example.org"})

        (message,) = mailoutbox
        assert message.subject.startswith("Your new password for ")
        assert "Hello Sam," in message.body
        assert "To choose a new password, open this link:" in message.body

        response = client.get(
            path_of(reset_link(message)), follow=True, headers={"accept-language": "en"}
        )
        assertContains(response, "Choose a new password")
        response = client.post(
            response.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            follow=True,
            headers={"accept-language": "en"},
        )
        assertContains(response, "Your new password is saved.")
        assert can_sign_in(client, patron, NEW_PASSWORD)

    def test_an_apostrophe_in_a_name_is_not_escaped_in_the_email(self, client, mailoutbox):
        PatronFactory(email="d@example.org", first_name="D'Artagnan")

        client.post("/accounts/password-reset/", {"email": "d@example.org"})

        assert "Bonjour D'Artagnan," in mailoutbox[0].body

    def test_a_family_sharing_an_address_gets_one_email_per_card(self, client, mailoutbox):
        PatronFactory(email="famille@example.org", preferred_language="fr")
        PatronFactory(email="famille@example.org", preferred_language="en")

        client.post("/accounts/password-reset/", {"email": "famille@example.org"})

        assert sorted(m.subject.split()[0] for m in mailoutbox) == ["Votre", "Your"]

    def test_an_unknown_address_looks_the_same_and_sends_nothing(self, client, mailoutbox):
        PatronFactory(email="camille@example.org")

        response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})

        assertRedirects(response, "/accounts/password-reset/sent/")
        assert mailoutbox == []

    def test_an_inactive_account_gets_no_email(self, client, mailoutbox):
        PatronFactory(email="gone@example.org", is_active=False)

        client.post("/accounts/password-reset/", {"email": "gone@example.org"})

        assert mailoutbox == []

    def test_mismatched_passwords_are_refused_with_a_message(self, client, mailoutbox):
        PatronFactory(email="camille@example.org")
        client.post("/accounts/password-reset/", {"email": "camille@example.org"})
        response = client.get(path_of(reset_link(mailoutbox[0])), follow=True)

        response = client.post(
            response.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": "something else entirely"},
        )

        assert response.status_code == 200
        assertContains(response, "Le mot de passe n'a pas été modifié")
        assertContains(response, "Les deux mots de passe ne correspondent pas.")

    def test_a_used_link_no_longer_works(self, client, mailoutbox):
        PatronFactory(email="camille@example.org")
        client.post("/accounts/password-reset/", {"email": "camille@example.org"})
        link = path_of(reset_link(mailoutbox[0]))
        response = client.get(link, follow=True)
        client.post(
            response.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )

        response = client.get(link, follow=True)

        assertContains(response, "Ce lien ne fonctionne plus")
        assertContains(response, 'href="/accounts/password-reset/"')
        assertNotContains(response, "new_password1")

    def test_a_tampered_link_no_longer_works(self, client):
        response = client.get("/accounts/password-reset/MQ/not-a-token/")

        assert response.status_code == 200
        assertContains(response, "Ce lien ne fonctionne plus")
