"""A patron reads and downloads what the service holds about them (GDPR art. 15 and 20)."""

import datetime
import json

import pytest
from django.utils import timezone

from tests.factories import (
    LoanFactory,
    NotificationFactory,
    PatronFactory,
    ReservationLineFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def patron(db):
    patron = PatronFactory(first_name="Zoé", last_name="Martin", email="zoe@example.org")
    line = ReservationLineFactory(reservation__patron=patron, item__record__title="Les Misérables")
    LoanFactory(patron=patron, item__record__title="Notre-Dame de Paris")
    NotificationFactory(
        recipient=patron, subject="Votre commande est prête", kind="reservation_ready"
    )
    patron.order = line.reservation
    return patron


@pytest.fixture
def someone_else(db):
    other = PatronFactory(first_name="Karim", email="karim@example.org")
    ReservationLineFactory(reservation__patron=other, item__record__title="Le Horla")
    LoanFactory(patron=other, item__record__title="Bel-Ami")
    return other


def test_the_download_holds_the_patrons_account_orders_loans_and_e_mails(
    client, patron, someone_else
):
    client.force_login(patron)

    response = client.get("/account/data.json")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "zoe@example.org"
    assert [order["reference"] for order in data["orders"]] == [patron.order.reference]
    documents = data["orders"][0]["documents"]
    assert [(document["title"], document["status"]) for document in documents] == [
        ("Les Misérables", "allocated")
    ]
    assert [loan["title"] for loan in data["loans"]] == ["Notre-Dame de Paris"]
    assert [e_mail["subject"] for e_mail in data["e_mails"]] == ["Votre commande est prête"]
    text = response.content.decode()
    assert "Karim" not in text and "Le Horla" not in text and "Bel-Ami" not in text


def test_the_page_shows_the_same_and_how_long_it_is_kept(client, patron, someone_else):
    client.force_login(patron)

    page = client.get("/account/data/").content.decode()

    assert "Les Misérables" in page and "Notre-Dame de Paris" in page
    assert "Le Horla" not in page
    assert "30 jours après le retour du document" in page


def test_a_loan_anonymised_is_no_longer_the_patrons(client, patron):
    loan = patron.loans.get()
    loan.returned_at = timezone.now() - datetime.timedelta(days=40)
    loan.save()
    from reservations.retention import anonymise_returned_loans

    anonymise_returned_loans()
    client.force_login(patron)

    assert json.loads(client.get("/account/data.json").content)["loans"] == []


@pytest.mark.parametrize("path", ["/account/data/", "/account/data.json"])
def test_signing_in_comes_first(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_download_costs_a_constant_number_of_queries(
    client, patron, django_assert_max_num_queries
):
    for _ in range(5):
        ReservationLineFactory(reservation__patron=patron)
        LoanFactory(patron=patron)
    client.force_login(patron)

    with django_assert_max_num_queries(12):
        client.get("/account/data.json")
