import datetime

import pytest

from accounts.models import User
from tests.factories import BranchFactory, PatronFactory

pytestmark = pytest.mark.django_db


def test_admin_creates_a_patron_by_card_number(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "card_number": "10009999",
            "usable_password": "true",
            "password1": "a sturdy passphrase",
            "password2": "a sturdy passphrase",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(card_number="10009999").check_password("a sturdy passphrase")


def test_admin_refuses_a_duplicate_card_number(admin_client):
    PatronFactory(card_number="10009999")

    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "card_number": "10009999",
            "usable_password": "true",
            "password1": "a sturdy passphrase",
            "password2": "a sturdy passphrase",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "A user with this card number already exists." in response.content.decode()


def test_changelist_finds_a_patron_by_exact_card_number_or_name(admin_client):
    wanted = PatronFactory(card_number="10000042", last_name="Duras")
    PatronFactory(card_number="10000420", last_name="Sagan")

    by_card = admin_client.get("/admin/accounts/user/", {"q": "10000042"})
    by_name = admin_client.get("/admin/accounts/user/", {"q": "duras"})

    assert list(by_card.context["cl"].result_list) == [wanted]
    assert list(by_name.context["cl"].result_list) == [wanted]


def test_membership_filter_separates_valid_and_expired(admin_client, midday):
    today = midday
    valid = PatronFactory(membership_expires_on=today)
    expired = PatronFactory(membership_expires_on=today - datetime.timedelta(days=1))

    valid_page = admin_client.get("/admin/accounts/user/", {"membership": "valid"})
    expired_page = admin_client.get("/admin/accounts/user/", {"membership": "expired"})

    assert set(valid_page.context["cl"].result_list) == {valid}
    assert set(expired_page.context["cl"].result_list) == {expired}


def test_change_page_edits_home_branch_and_staff_branches(admin_client):
    patron = PatronFactory()
    branch = BranchFactory()

    page = admin_client.get(f"/admin/accounts/user/{patron.pk}/change/")

    assert page.status_code == 200
    form = page.context["adminform"].form
    assert {"home_branch", "branches", "membership_expires_on"} <= set(form.fields)
    assert branch in form.fields["branches"].queryset
