"""What a patron who cannot reserve is told on signing in.

It is Wednesday 10 December 2025 in Paris, unless a test says otherwise; the
memberships of 30 September 2025 have ended.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import PatronFactory, StaffFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def after_the_summer(time_machine):
    time_machine.move_to(datetime.datetime(2025, 12, 10, 10, 0, tzinfo=ZoneInfo("Europe/Paris")))


def sign_in(client, user, **extra):
    return client.post(
        "/accounts/login/",
        {"username": user.card_number, "password": PASSWORD, **extra},
        follow=True,
    )


def test_an_expired_membership_is_explained_on_the_next_page(client):
    patron = PatronFactory(membership_expires_on=datetime.date(2025, 9, 30))

    response = sign_in(client, patron)

    assertContains(response, 'class="message message--warning"')
    assertContains(
        response,
        "Votre adhésion a pris fin le 30 septembre 2025\u00a0: vous pouvez toujours consulter "
        "vos commandes et vos prêts, mais pour réserver, renouvelez-la dans n&#x27;importe "
        "quelle bibliothèque du réseau.",
    )
    assert "_auth_user_id" in client.session
    assertNotContains(client.get("/"), "a pris fin")


def test_the_message_speaks_the_patron_language(client):
    patron = PatronFactory(
        membership_expires_on=datetime.date(2025, 9, 30), preferred_language="en"
    )

    response = sign_in(client, patron)

    assertContains(
        response,
        "Your membership ended on 30 September 2025: you can still see your orders and loans, "
        "but to reserve, renew it at any library of the network.",
    )


def test_the_language_chosen_before_signing_in_wins(client):
    patron = PatronFactory(
        membership_expires_on=datetime.date(2025, 9, 30), preferred_language="fr"
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    assertContains(sign_in(client, patron), "Your membership ended on 30 September 2025")


def test_the_message_follows_the_page_asked_for(client):
    patron = PatronFactory(membership_expires_on=datetime.date(2025, 9, 30))

    response = sign_in(client, patron, next="/help/")

    assert response.redirect_chain == [("/help/", 302)]
    assertContains(response, "Votre adhésion a pris fin le 30 septembre 2025")


def test_a_membership_ending_today_is_still_valid(client, midday):
    patron = PatronFactory(membership_expires_on=midday)

    assertNotContains(sign_in(client, patron), "message--warning")


def test_a_patron_without_membership_is_told_to_join(client):
    patron = PatronFactory(membership_expires_on=None)

    response = sign_in(client, patron)

    assertContains(response, "Votre compte n&#x27;a pas d&#x27;adhésion en cours")
    assertContains(response, "inscrivez-vous dans n&#x27;importe quelle bibliothèque du réseau")


def test_staff_without_membership_see_no_warning(client):
    assertNotContains(sign_in(client, StaffFactory()), "message--warning")


def test_a_valid_membership_brings_no_warning(client):
    assertNotContains(sign_in(client, PatronFactory()), "message--warning")


def test_a_failed_sign_in_brings_no_warning(client):
    patron = PatronFactory(membership_expires_on=datetime.date(2025, 9, 30))

    response = client.post(
        "/accounts/login/", {"username": patron.card_number, "password": "wrong"}, follow=True
    )

    assertNotContains(response, "a pris fin")
