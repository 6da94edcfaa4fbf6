"""Who enters the admin, and what a network admin may not do there (issue 14, items 1 and 3).

The admin is not filtered by branch: only network admins (every branch) and
superusers enter it. Librarians and desk agents, who see other branches'
patrons and orders there otherwise, are sent to the admin's sign-in page.
A network admin cannot make anyone more powerful than a network admin.
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from tests.factories import BranchFactory, PatronFactory, StaffFactory
from tests.two_factor import enter_admin

pytestmark = pytest.mark.django_db

ROLES_KEPT_OUT = ("patron", "desk", "librarian")


def admin_pages() -> list[str]:
    """Every registered model's list and add page, and the admin's home."""
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    return pages


@pytest.fixture
def people(db):
    branch = BranchFactory()
    return {
        "patron": PatronFactory(),
        "desk": StaffFactory(groups=["desk"], branches=[branch]),
        "librarian": StaffFactory(groups=["librarian"], branches=[branch]),
        "network admin": StaffFactory(groups=["network admin"], branches=[branch]),
        "superuser": StaffFactory(is_superuser=True),
    }


def test_every_model_of_the_project_is_in_the_admin_matrix():
    labels = {model._meta.app_label for model in admin.site._registry}

    assert {"accounts", "branches", "catalog", "reservations", "notifications", "pickups"} <= labels


@pytest.mark.parametrize("role", ["anonymous", *ROLES_KEPT_OUT])
def test_only_network_admins_and_superusers_enter_the_admin(client, people, role):
    if role != "anonymous":
        enter_admin(client, people[role])

    for page in admin_pages():
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url.startswith(reverse("admin:login")), page


@pytest.mark.parametrize("role", ["librarian", "desk"])
def test_a_librarian_or_desk_agent_sees_no_patron_in_the_admin(client, people, role):
    PatronFactory(last_name="Duras", email="marguerite@example.org")
    enter_admin(client, people[role])

    response = client.get("/admin/accounts/user/", follow=True)

    page = response.content.decode()
    assert "Duras" not in page and "marguerite@example.org" not in page
    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))


@pytest.mark.parametrize("role", ["network admin", "superuser"])
def test_network_admins_and_superusers_open_every_page_their_permissions_allow(
    client, people, role
):
    user = people[role]
    enter_admin(client, user)

    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        allowed = model_admin.has_view_or_change_permission(_request_of(user))
        assert response.status_code == (200 if allowed else 403), (opts.label, role)
    assert client.get(reverse("admin:index")).status_code == 200


def _request_of(user):
    class Request:
        pass

    request = Request()
    request.user = user
    return request


class TestNoEscalation:
    def test_a_network_admin_cannot_make_themselves_superuser(self, client, people):
        network_admin = people["network admin"]
        enter_admin(client, network_admin)
        url = reverse("admin:accounts_user_change", args=[network_admin.pk])
        form = client.get(url).context["adminform"].form

        data = {
            name: value
            for name, value in form.initial.items()
            if name in form.fields and value is not None and name != "password"
        }
        data.update(
            is_superuser="on",
            is_active="on",
            is_staff="on",
            branches=[branch.pk for branch in network_admin.branches.all()],
            membership_expires_on="",
        )
        response = client.post(url, data)

        assert response.status_code == 302
        network_admin.refresh_from_db()
        assert not network_admin.is_superuser
        assert set(network_admin.groups.values_list("name", flat=True)) == {"network admin"}
        assert "is_superuser" not in form.fields and "user_permissions" not in form.fields

    def test_a_network_admin_cannot_change_or_delete_a_superuser(self, client, people):
        superuser = people["superuser"]
        enter_admin(client, people["network admin"])

        change = client.get(reverse("admin:accounts_user_change", args=[superuser.pk]))
        password = client.post(
            reverse("admin:auth_user_password_change", args=[superuser.pk]),
            {"password1": "taken over!!", "password2": "taken over!!", "usable_password": "true"},
        )
        delete = client.post(
            reverse("admin:accounts_user_delete", args=[superuser.pk]), {"post": "yes"}
        )

        assert change.status_code == 200  # shown, read-only
        assert "taken over" not in change.content.decode()
        assert password.status_code == 403
        assert delete.status_code == 403
        superuser.refresh_from_db()
        assert not superuser.check_password("taken over!!")
        assert User.objects.filter(pk=superuser.pk).exists()

    def test_a_superuser_still_grants_superuser_and_groups(self, client, people):
        enter_admin(client, people["superuser"])
        form = (
            client.get(reverse("admin:accounts_user_change", args=[people["librarian"].pk]))
            .context["adminform"]
            .form
        )

        assert {"is_superuser", "groups", "user_permissions"} <= set(form.fields)
