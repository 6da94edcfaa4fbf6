"""Who enters the admin, and what a network admin may not do there (issue 14, items 1 and 3).

The admin is not filtered by branch: only network admins (every branch) and
superusers enter it. Librarians and desk agents, who see other branches'
patrons and orders there otherwise, are sent to the admin's sign-in page.
A network admin cannot make anyone more powerful than a network admin.
"""

import pytest
from django.contrib import admin
from django.urls import get_resolver, reverse

from accounts.models import User
from tests.factories import BranchFactory, PatronFactory, StaffFactory
from tests.two_factor import enter_admin

pytestmark = pytest.mark.django_db

ROLES_KEPT_OUT = ("patron", "desk", "librarian")


# What to put in each kind of URL parameter of the admin (id 1 may not exist: the admin must
# keep the door shut before it looks).
PARAMETERS = {
    "object_id": "1",
    "pk": "1",
    "id": "1",
    "content_type_id": "1",
    "app_label": "accounts",
}
# Open to anyone by design: the sign-in page, signing out, the JavaScript translations.
OPEN = {"admin:login", "admin:logout", "admin:jsi18n"}


def admin_pages() -> list[str]:
    """Every URL of the admin, custom views included, with its parameters filled in."""
    _prefix, resolver = get_resolver().namespace_dict["admin"]
    pages = []
    for name in {key for key in resolver.reverse_dict if isinstance(key, str)}:
        if f"admin:{name}" in OPEN:
            continue
        parameters = resolver.reverse_dict.getlist(name)[0][0][0][1]
        kwargs = {parameter: PARAMETERS[parameter] for parameter in parameters}
        pages.append(reverse(f"admin:{name}", kwargs=kwargs))
    return sorted(pages)


def test_the_matrix_tries_every_admin_url_including_custom_views():
    pages = admin_pages()

    assert "/admin/catalog/catalogimport/1/confirm/" in pages
    assert "/admin/reservations/extensioncampaign/1/start/" in pages
    assert "/admin/accounts/user/1/password/" in pages
    for model in admin.site._registry:
        opts = model._meta
        assert f"/admin/{opts.app_label}/{opts.model_name}/1/delete/" in pages


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


@pytest.mark.parametrize("role", ["network admin", "superuser"])
def test_without_the_two_step_code_no_admin_page_opens(client, people, role):
    client.force_login(people[role])  # the password only

    for page in admin_pages():
        response = client.get(page, follow=True)
        assert response.redirect_chain[-1][0].startswith("/accounts/two-factor/"), page


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
