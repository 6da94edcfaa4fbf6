"""Response headers (issue 14, item 6): personal pages never cached, a CSP, a Permissions-Policy."""

import datetime

import pytest
from django.utils import timezone

from pickups.links import pickup_path
from tests.factories import BranchFactory, PatronFactory, ReservationFactory, StaffFactory
from tests.two_factor import enter_admin

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}


class TestPersonalPagesAreNeverStored:
    @pytest.mark.parametrize("path", ["/account/reservations/", "/account/loans/", "/", "/basket/"])
    def test_what_a_signed_in_patron_sees(self, client, path):
        client.force_login(PatronFactory())

        response = client.get(path)

        assert response.status_code == 200
        assert {"no-store", "private"} <= cache_control(response)

    @pytest.mark.parametrize("path", ["/staff/", "/staff/queue/", "/staff/desk/", "/admin/"])
    def test_what_staff_see(self, client, path):
        branch = BranchFactory()
        enter_admin(client, StaffFactory(groups=["network admin"], branches=[branch]))

        response = client.get(path)

        assert response.status_code == 200
        assert {"no-store", "private"} <= cache_control(response)

    def test_the_basket_and_an_e_mail_link_without_signing_in(self, client):
        now = timezone.now()
        order = ReservationFactory(
            status="ready", ready_at=now, pickup_deadline=now + datetime.timedelta(days=5)
        )

        for path in ("/basket/", pickup_path(order, "order")):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "no-store" in cache_control(response), path

    def test_public_pages_stay_cacheable_for_anonymous_readers(self, client):
        for path in ("/", "/catalog/", "/branches/", "/help/"):
            assert "no-store" not in cache_control(client.get(path)), path


class TestContentSecurityPolicy:
    @pytest.mark.parametrize("path", ["/", "/catalog/", "/branches/", "/accounts/login/"])
    def test_scripts_and_styles_come_from_the_site_only(self, client, path):
        policy = client.get(path).headers["Content-Security-Policy"]

        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


class TestPermissionsPolicy:
    def test_geolocation_only_where_use_my_location_is_offered(self, client):
        def policy(path):
            return client.get(path).headers["Permissions-Policy"]

        assert "geolocation=(self)" in policy("/basket/")
        assert "geolocation=(self)" in policy("/branches/")
        for path in ("/", "/catalog/", "/help/", "/accounts/login/"):
            assert "geolocation=()" in policy(path), path
            assert "camera=()" in policy(path) and "microphone=()" in policy(path)
