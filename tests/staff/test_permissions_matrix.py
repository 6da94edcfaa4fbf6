"""Who may open which staff page or run which staff action, on which branch's orders.

Every URL name of the "staff" namespace is tried by each role: anonymous visitors
are sent to sign in, patrons and the wrong group get 403, another branch's order
is a 404 (it does not exist for them) except for network admins. Pages are
tried with GET, actions with POST; "allowed" means the view ran: neither 403,
nor 404, nor a redirect to sign in, nor a server error (an empty POST may well
answer 400 or redirect with a message).

The table below is the specification. A name it lists that does not resolve yet
is skipped (its page is still being built); a staff URL it does not list fails.
"""

import datetime

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from tests.factories import (
    BranchFactory,
    PatronFactory,
    ReservationFactory,
    ReservationLineFactory,
    StaffFactory,
)

ROLES = ("anonymous", "patron", "librarian", "desk", "network admin")
LIBRARIAN = {"librarian", "network admin"}
DESK = {"desk", "network admin"}
EVERY_STAFF = {"librarian", "desk", "network admin"}

# URL name -> (method, roles allowed, status the order must have for the action to make sense)
EXPECTED = {
    # preparation
    "queue": ("GET", LIBRARIAN, None),
    "pull_list": ("GET", LIBRARIAN, None),
    "pull_scan": ("POST", LIBRARIAN, None),
    "prepare": ("GET", LIBRARIAN, "preparing"),
    "claim": ("POST", LIBRARIAN, "submitted"),
    "scan": ("POST", LIBRARIAN, "preparing"),
    "missing": ("POST", LIBRARIAN, "preparing"),
    "ready": ("POST", LIBRARIAN, "preparing"),
    "slip": ("GET", LIBRARIAN, "ready"),
    # phone and e-mail orders
    "remote_order": ("GET", LIBRARIAN, None),
    "remote_order_patron": ("GET", LIBRARIAN, None),
    "remote_order_setup": ("POST", LIBRARIAN, None),
    "remote_order_add": ("POST", LIBRARIAN, None),
    "remote_order_remove": ("POST", LIBRARIAN, None),
    "remote_order_submit": ("POST", LIBRARIAN, None),
    "remote_order_done": ("GET", LIBRARIAN, None),
    # desk
    "desk": ("GET", DESK, None),
    "hand_over": ("POST", DESK, "ready"),
    "return_item": ("POST", DESK, None),
    # dashboard
    "dashboard": ("GET", EVERY_STAFF, None),
    "dashboard_csv": ("GET", EVERY_STAFF, None),
}


def staff_url_parameters() -> dict[str, set[str]]:
    """Return the URL names of the staff namespace and the parameters each takes."""
    _prefix, resolver = get_resolver().namespace_dict["staff"]
    names = {}
    for key in resolver.reverse_dict:
        if isinstance(key, str):
            possibilities = resolver.reverse_dict.getlist(key)[0][0]
            names[key] = set(possibilities[0][1])
    return names


STAFF_URLS = staff_url_parameters()


def cases():
    for name, (_method, _allowed, _status) in EXPECTED.items():
        takes_order = "reference" in STAFF_URLS.get(name, ())
        for role in ROLES:
            for whose in ("own", "other") if takes_order else ("own",):
                marks = ()
                if name not in STAFF_URLS:
                    marks = pytest.mark.skip(reason=f"staff:{name} does not exist yet")
                yield pytest.param(name, role, whose, marks=marks, id=f"{name}-{role}-{whose}")


def test_every_staff_url_is_in_the_matrix():
    assert set(STAFF_URLS) <= set(EXPECTED), "add the new staff URL names to EXPECTED"


@pytest.fixture
def own_branch():
    return BranchFactory()


def make_user(role: str, branch):
    if role == "anonymous":
        return None
    if role == "patron":
        return PatronFactory()
    if role == "network admin":
        return StaffFactory(groups=[role])
    return StaffFactory(groups=[role], branches=[branch])


def make_order(branch, status: str | None):
    now = timezone.now()
    fields = {}
    if status == "ready":
        fields = {"ready_at": now, "pickup_deadline": now + datetime.timedelta(days=5)}
    if status == "preparing":
        fields = {"preparing_at": now}
    reservation = ReservationFactory(
        branch=branch,
        status=status or "submitted",
        submitted_at=now - datetime.timedelta(hours=2),
        processing_deadline=now + datetime.timedelta(hours=22),
        **fields,
    )
    line = ReservationLineFactory(
        reservation=reservation, status="picked" if status == "ready" else "allocated"
    )
    return reservation, line


def url_for(name: str, reservation, line) -> str:
    kwargs = {}
    for parameter in STAFF_URLS[name]:
        if parameter == "reference":
            kwargs[parameter] = reservation.reference
        elif parameter == "line_id":
            kwargs[parameter] = line.pk
        elif parameter == "patron_id":
            kwargs[parameter] = reservation.patron_id
        else:
            pytest.fail(f"staff:{name}: the matrix does not know how to fill <{parameter}>")
    return reverse(f"staff:{name}", kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role", "whose"), list(cases()))
def test_permission_matrix(client, own_branch, name, role, whose):
    method, allowed_roles, status = EXPECTED[name]
    user = make_user(role, own_branch)
    branch = own_branch if whose == "own" else BranchFactory()
    reservation, line = make_order(branch, status)
    url = url_for(name, reservation, line)
    if user is not None:
        client.force_login(user)

    response = client.post(url) if method == "POST" else client.get(url)

    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/?next=")
    elif role not in allowed_roles:
        assert response.status_code == 403
    elif whose == "other" and role != "network admin":
        assert response.status_code == 404
    else:
        assert response.status_code < 500
        assert response.status_code not in (403, 404)
        assert not (response.status_code == 302 and response.url.startswith("/accounts/login/")), (
            "allowed, yet sent to sign in"
        )
