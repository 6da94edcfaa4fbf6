"""Hostile input never makes a server error: each known case, then every page with every parameter.

An address that no page can use gets 400 (a NUL character) or the page's own
reading of it (a coordinate out of range is no position, a day that is not a
date is today); never a 500, and nothing changes.
"""

import datetime

import pytest
from django.utils import timezone

from catalog.forms import PostcodeForm, SearchForm
from pickups.links import pickup_path
from reservations.forms import PositionForm
from reservations.models import Reservation
from staff.desk_forms import DeskSearchForm, PatronSearchForm
from staff.forms import QueueFilterForm
from tests.factories import (
    BranchFactory,
    ItemFactory,
    PatronFactory,
    ReservationLineFactory,
    StaffFactory,
)
from tests.two_factor import enter_admin

pytestmark = pytest.mark.django_db

# What the pages read from their query strings: the GET forms' fields and the names read directly.
PARAMETERS = sorted(
    {
        *SearchForm.base_fields,
        *PostcodeForm.base_fields,
        *PositionForm.base_fields,
        *QueueFilterForm.base_fields,
        *DeskSearchForm.base_fields,
        *PatronSearchForm.base_fields,
        *("q", "page", "branch", "day", "focus", "lat", "lon", "postcode", "since", "next"),
        *("status", "o", "p", "e"),  # the admin's filters, ordering, page, errors
    }
)
HOSTILE_VALUES = [
    "\x00",
    "1e1000000",
    "-1e1000000",
    "nan",
    "inf",
    "²",
    "٣",
    "-1",
    "9" * 40,
    "0001-01-01",
    "9999-12-31",
    "2027-02-30",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "%",
    "😀",
    " ",
    "x" * 3000,
]


@pytest.fixture
def network(db):
    branch = BranchFactory(appointments_enabled=True, accepts_phone_orders=True)
    patron = PatronFactory()
    line = ReservationLineFactory(
        reservation__patron=patron, reservation__branch=branch, status="picked"
    )
    now = timezone.now()
    Reservation.objects.filter(pk=line.reservation_id).update(
        status="ready", ready_at=now, pickup_deadline=now + datetime.timedelta(days=10)
    )
    ItemFactory(branch=branch)
    admin = StaffFactory(groups=["network admin"], branches=[branch], is_superuser=True)
    librarian = StaffFactory(groups=["librarian"], branches=[branch])
    return {"branch": branch, "patron": patron, "order": line.reservation, "admin": admin,
            "librarian": librarian, "record": line.record}  # fmt: skip


def pages(network) -> list[tuple[str, str]]:
    """Return (who, path) for every page a GET reaches, with the user who may see it."""
    order, record = network["order"], network["record"]
    return [
        *(
            ("anonymous", path)
            for path in ("/", "/help/", "/branches/", "/catalog/", f"/catalog/{record.pk}/",
                         "/accounts/login/", "/accounts/password-reset/",
                         pickup_path(order, "order"), pickup_path(order, "slot"))
        ),
        *(
            ("patron", path)
            for path in ("/basket/", "/account/reservations/", "/account/loans/", "/account/data/")
        ),
        *(
            ("librarian", path)
            for path in ("/staff/", "/staff/queue/", "/staff/pull-list/", "/staff/desk/",
                         "/staff/phone-order/", "/staff/board/", "/staff/board/fragment/",
                         f"/staff/orders/{order.reference}/")
        ),
        *(
            ("admin", f"/admin/{model}/")
            for model in ("reservations/reservation", "reservations/auditentry",
                          "reservations/loan", "catalog/record", "catalog/item",
                          "accounts/user", "notifications/notification")
        ),
    ]  # fmt: skip


def client_for(client, network, who):
    client.raise_request_exception = False
    if who != "anonymous":
        enter_admin(client, network[who])
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/basket/?lat=1e1000000&lon=1",
        "/branches/?lat=1e1000000&lon=1",
        "/branches/?lat=1&lon=-1e1000000",
        "/staff/board/fragment/?since=²",
    ],
)
def test_numbers_no_page_can_read_are_ignored(client, network, path):
    who = "librarian" if path.startswith("/staff/") else "patron"

    response = client_for(client, network, who).get(path)

    assert response.status_code == 200


@pytest.mark.parametrize(
    "who, path",
    [
        ("patron", "/account/reservations/%00/cancel/"),
        ("librarian", "/staff/orders/%00/"),
        ("librarian", "/staff/orders/%00/slip/"),
        ("librarian", "/staff/phone-order/orders/%00/"),
        ("admin", "/admin/reservations/reservation/?status=%00"),
        ("admin", "/admin/accounts/user/?q=%00"),
        ("anonymous", "/catalog/?q=%00"),
    ],
)
def test_a_nul_character_is_a_bad_request_in_the_readers_language(client, network, who, path):
    response = client_for(client, network, who).get(path)

    assert response.status_code == 400
    assert "Adresse incompréhensible" in response.content.decode()


def test_the_bad_request_page_speaks_english_to_english_readers(client):
    response = client.get("/catalog/?q=%00", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "Address not understood" in response.content.decode()


def test_a_nul_character_in_a_cancellation_changes_nothing(client, network):
    client = client_for(client, network, "patron")

    response = client.post("/account/reservations/%00/cancel/", {"confirm": "yes"})

    assert response.status_code == 400
    assert Reservation.objects.get().status == "ready"


def server_errors(client, network, requests) -> list[tuple]:
    """Send the GETs (who, path, parameters); return those answered with a server error."""
    failures = []
    for who, path, parameters in requests:
        response = client_for(client, network, who).get(path, parameters)
        if response.status_code >= 500:
            failures.append((who, path, parameters, response.status_code))
        client.logout()
    return failures


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=repr)
def test_no_page_fails_on_a_hostile_value_in_every_parameter(client, network, value):
    requests = [(who, path, dict.fromkeys(PARAMETERS, value)) for who, path in pages(network)]

    assert server_errors(client, network, requests) == []


def test_no_page_fails_on_a_hostile_value_in_any_one_parameter(client, network):
    """Each parameter alone, so that one read first (an unknown branch: 404) hides no other."""
    requests = [
        (who, path, {name: HOSTILE_VALUES[(number + index) % len(HOSTILE_VALUES)]})
        for number, (who, path) in enumerate(pages(network))
        for index, name in enumerate(PARAMETERS)
    ]

    assert server_errors(client, network, requests) == []
