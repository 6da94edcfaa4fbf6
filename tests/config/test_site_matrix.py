"""Who may open which page of the site, outside /staff/ and /admin/: the permission matrix.

Every URL name of the site is tried by an anonymous visitor, a patron and a desk
agent. "ok" means the view ran (any answer but 403, 404, 405, a server error or a
redirect to sign in); "login" a redirect to the sign-in page; "403" and "404"
those answers. A URL the table does not list fails: a new page must say who may
open it. The staff area has its own matrix (tests/staff/
test_permissions_matrix.py), the admin its own (tests/config/test_admin_access.py);
the delivery webhook is mounted only with its secret (tests/notifications/).
"""

import datetime

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from pickups.links import pickup_path
from pickups.models import Arrival
from tests.factories import (
    PatronFactory,
    RecordFactory,
    ReservationFactory,
    ReservationLineFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "patron", "desk")
OK = {"anonymous": "ok", "patron": "ok", "desk": "ok"}
SIGNED_IN = {"anonymous": "login", "patron": "ok", "desk": "ok"}
PATRONS = {"anonymous": "login", "patron": "ok", "desk": "404"}
STAFF = {"anonymous": "login", "patron": "404", "desk": "ok"}
DESK_PAGE = {"anonymous": "login", "patron": "403", "desk": "ok"}

# URL name -> (method, outcome by role)
EXPECTED = {
    "home": ("GET", OK),
    "healthz": ("GET", OK),
    "help": ("GET", OK),
    "privacy": ("GET", OK),
    "set_language": ("POST", OK),
    "branches:list": ("GET", OK),
    "catalog:search": ("GET", OK),
    "catalog:record": ("GET", OK),
    "reservations:basket": ("GET", OK),
    "reservations:basket_add": ("POST", OK),
    "reservations:basket_remove": ("POST", OK),
    "reservations:checkout": ("POST", SIGNED_IN),
    "pickups:my_orders": ("GET", SIGNED_IN),
    "reservations:my_loans": ("GET", SIGNED_IN),
    # The patron's own order; for a desk agent it is another patron's.
    "reservations:cancel": ("POST", PATRONS),
    "my_data": ("GET", SIGNED_IN),
    "my_data_download": ("GET", SIGNED_IN),
    "erase_my_account": ("GET", PATRONS),
    # A signed link is the key to its order, whoever holds it (e-mails are forwarded).
    "pickups:order": ("GET", OK),
    "pickups:slot": ("POST", OK),
    "pickups:arrival": ("POST", OK),
    "pickups:cancel": ("POST", OK),
    "login": ("GET", OK),
    "logout": ("POST", OK),
    "password_reset": ("GET", OK),
    "password_reset_done": ("GET", OK),
    "password_reset_confirm": ("GET", OK),  # an invalid link's own page
    "password_reset_complete": ("GET", OK),
    "two_factor": ("GET", STAFF),
    "two_factor_setup": ("GET", STAFF),
    # Only after the code of the app being removed: this desk agent has none.
    "two_factor_off": ("POST", {"anonymous": "login", "patron": "404", "desk": "404"}),
    "board:board": ("GET", DESK_PAGE),
    "board:fragment": ("GET", DESK_PAGE),
    "board:seen": ("POST", DESK_PAGE),
}
ELSEWHERE = {"staff", "admin", "anymail"}


def site_url_names() -> set[str]:
    names = set()

    def walk(resolver, namespace):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern, pattern.namespace or namespace)
            elif pattern.name and namespace not in ELSEWHERE:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver(), None)
    return names


def test_every_page_of_the_site_is_in_the_matrix():
    assert site_url_names() == set(EXPECTED)


@pytest.fixture
def world(db):
    patron = PatronFactory()
    order = ReservationFactory(
        patron=patron,
        status="ready",
        ready_at=timezone.now(),
        pickup_deadline=timezone.now() + datetime.timedelta(days=7),
    )
    ReservationLineFactory(reservation=order, status="picked")
    arrival = Arrival.objects.create(reservation=order, arrived_at=timezone.now())
    return {
        "patron": patron,
        "desk": StaffFactory(groups=["desk"], branches=[order.branch]),
        "order": order,
        "record": RecordFactory(),
        "arrival": arrival,
    }


def url_of(name: str, world) -> str:
    order = world["order"]
    purpose = name.removeprefix("pickups:")
    if name.startswith("pickups:") and purpose in ("order", "slot", "arrival", "cancel"):
        return pickup_path(order, purpose)
    kwargs = {
        "catalog:record": {"pk": world["record"].pk},
        "reservations:cancel": {"reference": order.reference},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "board:seen": {"arrival_id": world["arrival"].pk},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


def outcome(response) -> str:
    if response.status_code in (403, 404):
        return str(response.status_code)
    if response.status_code == 302 and response.url.startswith(reverse("login")):
        return "login"
    assert response.status_code not in (405,) and response.status_code < 500, response
    return "ok"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_who_may_open_each_page(client, world, name):
    method, expected = EXPECTED[name]
    client.raise_request_exception = False
    url = url_of(name, world)
    seen = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(world[role])
        response = client.get(url) if method == "GET" else client.post(url)
        seen[role] = outcome(response)

    assert seen == expected
