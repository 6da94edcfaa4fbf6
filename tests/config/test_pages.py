"""The site-wide layout, the home page, the sign-in page and the error pages."""

import re

import pytest
from django.contrib import messages
from django.db import connection
from django.shortcuts import redirect
from django.template.loader import get_template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from config.urls import urlpatterns as site_urlpatterns
from tests.factories import BranchFactory, PatronFactory


def _fail(request):
    raise RuntimeError("Boom")


def _say_hello(request):
    messages.success(request, "Votre commande CC-7K3Q9 est enregistrée.")
    messages.error(request, "Ce document n'est plus disponible.")
    return redirect("home")


# Used by the tests marked `urls(__name__)`: the site's URLs plus two test views.
urlpatterns = [
    path("test-server-error/", _fail),
    path("test-messages/", _say_hello),
    *site_urlpatterns,
]

pytestmark = pytest.mark.django_db


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


class TestLayout:
    def test_home_is_in_french_by_default(self, client):
        response = client.get("/")

        assert response.status_code == 200
        assert _lang(response) == "fr"
        assertContains(response, "Réservez en ligne, retirez à la bibliothèque")
        assertContains(
            response, '<a class="skip-link" href="#main">Aller au contenu</a>', html=True
        )

    def test_home_is_in_english_for_a_browser_asking_for_english(self, client):
        response = client.get("/", headers={"accept-language": "en"})

        assert _lang(response) == "en"
        assertContains(response, "Reserve online, collect at your library")
        assertContains(response, "Skip to content")
        assertNotContains(response, "Aller au contenu")

    def test_language_form_switches_to_english_for_the_next_pages(self, client):
        response = client.get("/accounts/login/")
        assertContains(response, 'action="/i18n/setlang/"')
        assertContains(
            response, '<input type="hidden" name="next" value="/accounts/login/">', html=True
        )

        response = client.post(
            reverse("set_language"), {"language": "en", "next": "/accounts/login/"}
        )

        assertRedirects(response, "/accounts/login/", fetch_redirect_response=False)
        for url in ("/accounts/login/", "/"):
            assert _lang(client.get(url)) == "en"

    def test_language_form_offers_the_other_language_with_its_own_lang(self, client):
        response = client.get("/")

        assertContains(response, 'name="language" value="en" lang="en">English</button>')
        assertContains(response, 'lang="fr" aria-current="true">Français</span>')
        assertNotContains(response, 'name="language" value="fr"')
        assertContains(response, "Langue\u00a0:")

    def test_pages_need_no_javascript_and_no_inline_styles(self, client):
        for url in ("/", "/accounts/login/", "/no-such-page/"):
            html = client.get(url).content.decode()
            assert "<script" not in html, url
            assert " style=" not in html, url

    def test_layout_has_the_landmarks(self, client):
        html = client.get("/").content.decode()

        for tag in ('<header class="site-header">', "<nav ", '<main id="main"', "<footer "):
            assert tag in html

    def test_footer_credits_the_data_sources(self, client):
        response = client.get("/")

        assertContains(response, "© Ville de Paris (opendata.paris.fr, ODbL)")
        assertContains(response, "goodbooks-10k, Zygmunt Zając (CC BY-SA 4.0)")
        assertContains(response, "OpenStreetMap")

    @pytest.mark.urls(__name__)
    def test_messages_are_shown_once_on_the_next_page(self, client):
        response = client.get("/test-messages/", follow=True)

        assertContains(
            response,
            '<li class="message message--success"><div role="status">'
            "Votre commande CC-7K3Q9 est enregistrée.</div></li>",
            html=True,
        )
        assertContains(response, '<li class="message message--error"><div role="alert">')
        assertNotContains(client.get("/"), "CC-7K3Q9")

    def test_network_name_links_home(self, client, settings):
        settings.NETWORK_NAME = "Médiathèques de Belleville"

        response = client.get("/accounts/login/")

        assertContains(response, "Médiathèques de Belleville")
        assertContains(response, '<a class="brand" href="/">')


class TestHome:
    def test_states_the_network_limit(self, client, settings):
        settings.MAX_ACTIVE_ITEMS = 3

        assertContains(client.get("/"), "Réservez jusqu'à 3 documents à la fois")

    def test_lists_the_click_and_collect_branches_only(self, client):
        BranchFactory(name="Médiathèque Václav Havel", address="26 esplanade Nathalie Sarraute")
        BranchFactory(name="Bibliothèque Forney", click_and_collect_enabled=False)

        response = client.get("/")

        assertContains(response, "Médiathèque Václav Havel")
        assertContains(response, "26 esplanade Nathalie Sarraute")
        assertContains(response, "1 bibliothèque du réseau prépare les commandes.")
        assertNotContains(response, "Bibliothèque Forney")

    def test_counts_the_branches_in_the_plural(self, client):
        BranchFactory.create_batch(3)

        response = client.get("/")

        assertContains(response, "3 bibliothèques du réseau préparent les commandes.")

    def test_says_so_when_no_branch_takes_orders(self, client):
        BranchFactory(click_and_collect_enabled=False)

        response = client.get("/")

        assertContains(response, "Aucune bibliothèque ne propose le click & collect")
        assertNotContains(response, "branch-card")

    def test_explains_the_service_in_steps(self, client):
        response = client.get("/")

        assertContains(response, "Réservez jusqu'à 5 documents à la fois")
        assertContains(response, "sous 24 ou 48 heures")
        assertContains(response, "Votre carte de bibliothèque")

    def test_makes_as_many_queries_for_many_branches_as_for_one(self, client):
        BranchFactory()
        with CaptureQueriesContext(connection) as one:
            client.get("/")
        BranchFactory.create_batch(10)
        with CaptureQueriesContext(connection) as eleven:
            client.get("/")

        assert len(eleven) == len(one)

    def test_invites_anonymous_visitors_to_sign_in(self, client):
        response = client.get("/")

        assertContains(response, 'href="/accounts/login/"')
        assertContains(response, "Me connecter avec ma carte de bibliothèque")


class TestSignIn:
    def test_login_page_asks_for_card_number_and_password(self, client):
        response = client.get("/accounts/login/")

        assert response.status_code == 200
        assertContains(
            response,
            '<label class="field__label" for="id_username">Numéro de carte</label>',
            html=True,
        )
        assertContains(response, 'name="password"')
        assertContains(response, "Adhésion expirée ou mot de passe oublié")

    def test_patron_signs_in_with_card_number_and_password(self, client):
        patron = PatronFactory(first_name="Camille")

        response = client.post(
            "/accounts/login/",
            {"username": patron.card_number, "password": "correct horse battery"},
        )

        assertRedirects(response, "/")
        home = client.get("/")
        assertContains(home, "Bonjour, Camille")
        assertContains(
            home, '<form class="account-menu__logout" action="/accounts/logout/" method="post">'
        )
        assertNotContains(home, "Me connecter avec ma carte de bibliothèque")

    def test_sign_in_returns_to_the_page_asked_for(self, client):
        patron = PatronFactory()
        page = client.get("/accounts/login/?next=/healthz")
        assertContains(page, '<input type="hidden" name="next" value="/healthz">', html=True)

        response = client.post(
            "/accounts/login/",
            {
                "username": patron.card_number,
                "password": "correct horse battery",
                "next": "/healthz",
            },
        )

        assertRedirects(response, "/healthz", fetch_redirect_response=False)

    def test_wrong_password_is_refused_with_a_french_error(self, client):
        patron = PatronFactory()

        response = client.post(
            "/accounts/login/", {"username": patron.card_number, "password": "wrong password"}
        )

        assert response.status_code == 200
        assertContains(response, 'role="alert"')
        assertContains(response, "Saisissez un numéro de carte et un mot de passe valides.")
        assert "_auth_user_id" not in client.session

    def test_patron_signs_out_with_a_post(self, client):
        client.force_login(PatronFactory())

        assert client.get("/accounts/logout/").status_code == 405
        response = client.post("/accounts/logout/")

        assertRedirects(response, "/")
        assert "_auth_user_id" not in client.session
        assertContains(client.get("/"), '<a class="header-button" href="/accounts/login/">')


class TestErrorPages:
    def test_unknown_page_renders_the_site_404(self, client):
        response = client.get("/no-such-page/")

        assert response.status_code == 404
        assert _lang(response) == "fr"
        assertContains(response, "Page introuvable", status_code=404)
        assertContains(response, "Aller au contenu", status_code=404)

    def test_500_renders_without_request_or_context_processors(self):
        with translation.override("en"):
            html = get_template("500.html").render({})

        assert '<html lang="en">' in html
        assert "Sorry, something went wrong" in html

    @pytest.mark.urls(__name__)
    def test_server_error_renders_the_site_500(self):
        client = Client(raise_request_exception=False)

        response = client.get("/test-server-error/")

        assert response.status_code == 500
        assertContains(response, "Désolé, un problème est survenu", status_code=500)
