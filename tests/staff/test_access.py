import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from staff.access import (
    HAND_OVER,
    PREPARE,
    TAKE_REMOTE_ORDER,
    reservation_for_staff,
    staff_branches,
    staff_required,
)
from tests.factories import BranchFactory, PatronFactory, ReservationFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("group", "allowed"),
    [
        ("librarian", {PREPARE, TAKE_REMOTE_ORDER}),
        ("desk", {HAND_OVER}),
        ("network admin", {PREPARE, TAKE_REMOTE_ORDER, HAND_OVER}),
    ],
)
def test_each_group_holds_its_permissions(group, allowed):
    member = StaffFactory(groups=[group])

    assert {p for p in (PREPARE, HAND_OVER, TAKE_REMOTE_ORDER) if member.has_perm(p)} == allowed


def test_staff_see_their_branches_and_network_admins_all():
    mine, other = BranchFactory(), BranchFactory()
    librarian = StaffFactory(groups=["librarian"], branches=[mine])
    admin = StaffFactory(groups=["network admin"])

    assert list(staff_branches(librarian)) == [mine]
    assert set(staff_branches(admin)) == {mine, other}


def test_another_branchs_order_does_not_exist_for_a_librarian():
    mine, other = BranchFactory(), BranchFactory()
    librarian = StaffFactory(groups=["librarian"], branches=[mine])
    own_order = ReservationFactory(branch=mine)
    their_order = ReservationFactory(branch=other)

    assert reservation_for_staff(librarian, own_order.reference) == own_order
    with pytest.raises(Http404):
        reservation_for_staff(librarian, their_order.reference)
    admin = StaffFactory(groups=["network admin"])
    assert reservation_for_staff(admin, their_order.reference) == their_order


def view(request):
    return HttpResponse("ok")


def call(user):
    request = RequestFactory().get("/staff/queue/")
    request.user = user
    return staff_required(PREPARE)(view)(request)


def test_anonymous_visitors_are_sent_to_sign_in():
    response = call(AnonymousUser())

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/staff/queue/")


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: PatronFactory(),
        lambda: StaffFactory(groups=["desk"]),
        lambda: StaffFactory(groups=["librarian"], is_active=False),
        lambda: PatronFactory(is_staff=False, is_superuser=False),
    ],
)
def test_patrons_and_staff_without_the_permission_are_refused(make_user):
    with pytest.raises(PermissionDenied):
        call(make_user())


def test_a_librarian_is_let_through():
    assert call(StaffFactory(groups=["librarian"])).status_code == 200
