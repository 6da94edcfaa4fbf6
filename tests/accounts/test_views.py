import pytest
from django.conf import settings

from tests.factories import PatronFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def sign_in(client, patron):
    return client.post("/accounts/login/", {"username": patron.card_number, "password": PASSWORD})


def test_switching_language_when_signed_in_is_remembered_for_the_emails(client):
    patron = PatronFactory(preferred_language="fr")
    client.force_login(patron)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    patron.refresh_from_db()
    assert patron.preferred_language == "en"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_switching_language_anonymously_only_sets_the_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_an_unknown_language_changes_nothing(client):
    patron = PatronFactory(preferred_language="fr")
    client.force_login(patron)

    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})

    assert response.status_code == 302
    patron.refresh_from_db()
    assert patron.preferred_language == "fr"


def test_signing_in_applies_the_saved_language(client):
    patron = PatronFactory(preferred_language="en")

    response = sign_in(client, patron)

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert 'lang="en"' in client.get("/").content.decode()


def test_a_language_chosen_before_signing_in_becomes_the_preference(client):
    patron = PatronFactory(preferred_language="fr")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    sign_in(client, patron)

    patron.refresh_from_db()
    assert patron.preferred_language == "en"
    assert 'lang="en"' in client.get("/").content.decode()


def test_a_failed_sign_in_changes_no_preference(client):
    patron = PatronFactory(preferred_language="fr")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post("/accounts/login/", {"username": patron.card_number, "password": "x"})

    assert response.status_code == 200
    patron.refresh_from_db()
    assert patron.preferred_language == "fr"
