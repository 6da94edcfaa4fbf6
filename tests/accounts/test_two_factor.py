"""Two-step verification (issue 14, item 7): required to enter the admin, optional for the desk."""

import datetime
import io

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuthenticatorApp
from tests.factories import PASSWORD, BranchFactory, PatronFactory, StaffFactory
from tests.two_factor import authenticator_for, current_code, enter_admin

pytestmark = pytest.mark.django_db

CODE_PAGE = "/accounts/two-factor/"
SETUP_PAGE = "/accounts/two-factor/setup/"


@pytest.fixture
def network_admin(db):
    return StaffFactory(groups=["network admin"], branches=[BranchFactory()])


@pytest.fixture
def desk_agent(db):
    return StaffFactory(groups=["desk"], branches=[BranchFactory()])


def admin_sign_in(client, user):
    """Sign in on the admin's own form with the password, as the user would."""
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": user.card_number, "password": PASSWORD, "next": "/admin/"},
        follow=True,
    )


def site_sign_in(client, user, next_page="/staff/"):
    return client.post(
        f"/accounts/login/?next={next_page}",
        {"username": user.card_number, "password": PASSWORD, "next": next_page},
        follow=True,
    )


def give_code(client, code, page=CODE_PAGE, next_page="/admin/"):
    return client.post(page, {"code": code, "next": next_page}, follow=True)


class TestEnteringTheAdmin:
    def test_the_password_alone_does_not_open_the_admin(self, client, network_admin):
        response = admin_sign_in(client, network_admin)

        assert response.redirect_chain[-1][0] == f"{SETUP_PAGE}?next=%2Fadmin%2F"
        assert client.get("/admin/").status_code == 302
        assert client.get("/admin/accounts/user/").status_code == 302

    def test_the_first_visit_sets_up_an_app_and_enters(self, client, network_admin):
        setup = admin_sign_in(client, network_admin)
        page = setup.content.decode()
        device = TOTPDevice.objects.get(user=network_admin)

        assert "Configurer la vérification en deux étapes" in page
        # Sized by its viewBox, so that the page's CSS scales it whole (a fixed width was
        # cropped: a QR code missing a corner does not scan).
        svg = page.split("<svg")[1].split(">")[0]
        assert 'viewBox="0 0' in svg and "width=" not in svg
        assert not device.confirmed
        key = page.split('class="qr-code__key">')[1].split("<")[0].replace(" ", "")
        assert len(key) == 32  # the device's 20-byte key in base32, for typing it in

        wrong = give_code(client, "000000", page=SETUP_PAGE)
        assert "n’est pas le bon" in wrong.content.decode()
        device.refresh_from_db()
        assert not device.confirmed
        assert client.get("/admin/").status_code == 302

        device.throttle_reset()
        entered = give_code(client, current_code(device), page=SETUP_PAGE)

        assert entered.redirect_chain[-1][0] == "/admin/"
        assert entered.status_code == 200
        device.refresh_from_db()
        assert device.confirmed

    def test_a_set_up_app_asks_for_its_code_on_every_sign_in(self, client, network_admin):
        device = authenticator_for(network_admin)

        asked = admin_sign_in(client, network_admin)
        assert asked.redirect_chain[-1][0] == f"{CODE_PAGE}?next=%2Fadmin%2F"
        # Not the admin only: once set up, every page waits for the code.
        assert client.get("/staff/queue/").url.startswith(CODE_PAGE)

        entered = give_code(client, current_code(device))

        assert entered.redirect_chain[-1][0] == "/admin/"
        assert client.get("/admin/accounts/user/").status_code == 200
        assert client.get("/staff/queue/").status_code == 200

    def test_the_session_key_changes_with_the_code(self, client, network_admin):
        device = authenticator_for(network_admin)
        admin_sign_in(client, network_admin)
        before = client.session.session_key

        give_code(client, current_code(device))

        assert client.session.session_key != before

    def test_a_code_is_good_once(self, client, network_admin):
        device = authenticator_for(network_admin)
        code = current_code(device)
        admin_sign_in(client, network_admin)
        give_code(client, code)
        client.post("/accounts/logout/")

        admin_sign_in(client, network_admin)
        again = give_code(client, code)

        assert again.redirect_chain == []
        assert client.get("/admin/").status_code == 302

    def test_wrong_codes_make_the_next_wait_longer(self, client, network_admin, time_machine):
        time_machine.move_to(datetime.datetime(2027, 3, 9, 10, 0, tzinfo=datetime.UTC))
        device = authenticator_for(network_admin)
        admin_sign_in(client, network_admin)
        give_code(client, "111111")
        second = give_code(client, "222222")  # within the second the first imposed

        right_too_soon = give_code(client, current_code(device))
        assert "Attendez 1 seconde" in right_too_soon.content.decode()
        assert client.get("/admin/").status_code == 302

        time_machine.move_to(datetime.datetime(2027, 3, 9, 10, 0, 30, tzinfo=datetime.UTC))
        right = give_code(client, current_code(device))

        assert "n’est pas le bon" in second.content.decode()
        assert right.redirect_chain[-1][0] == "/admin/"

    def test_a_code_that_is_not_six_digits_is_refused_plainly(self, client, network_admin):
        authenticator_for(network_admin)
        admin_sign_in(client, network_admin)

        for code in ("12345", "abcdef", "1234567", "١٢٣٤٥٦"):
            page = give_code(client, code).content.decode()
            assert "Saisissez les six chiffres" in page, code
        # Spaces and dashes as apps show them are fine ("123 456").
        assert give_code(client, "123 45").status_code == 200

    def test_the_code_page_never_sends_elsewhere(self, client, network_admin):
        device = authenticator_for(network_admin)
        admin_sign_in(client, network_admin)

        response = give_code(client, current_code(device), next_page="https://evil.example/")

        assert response.redirect_chain[-1][0] == "/"

    def test_without_admin_two_factor_the_password_is_enough(self, client, network_admin, settings):
        settings.ADMIN_TWO_FACTOR = False

        response = admin_sign_in(client, network_admin)

        assert response.redirect_chain[-1][0] == "/admin/"
        assert response.status_code == 200

    def test_the_pages_are_in_english_when_asked(self, client, network_admin):
        admin_sign_in(client, network_admin)
        client.cookies["django_language"] = "en"

        page = client.get(SETUP_PAGE).content.decode()

        assert "Set up two-step verification" in page
        assert "scan this code" in page


class TestOptionalForTheDesk:
    def test_a_desk_agent_works_without_a_code(self, client, desk_agent):
        response = site_sign_in(client, desk_agent, "/staff/desk/")

        assert response.redirect_chain[-1][0] == "/staff/desk/"
        assert response.status_code == 200

    def test_a_desk_agent_who_turns_it_on_is_asked_at_the_next_sign_in(self, client, desk_agent):
        site_sign_in(client, desk_agent, "/staff/desk/")
        client.get(SETUP_PAGE)
        device = TOTPDevice.objects.get(user=desk_agent)
        give_code(client, current_code(device), page=SETUP_PAGE, next_page="/staff/desk/")
        client.post("/accounts/logout/")

        response = site_sign_in(client, desk_agent, "/staff/desk/")

        assert response.redirect_chain[-1][0] == f"{CODE_PAGE}?next=%2Fstaff%2Fdesk%2F"
        assert client.get("/staff/desk/").status_code == 302

    def test_turning_it_off_takes_the_code_away(self, client, desk_agent):
        authenticator_for(desk_agent)
        enter_admin(client, desk_agent)  # signed in, code given

        client.post("/accounts/two-factor/off/")
        client.post("/accounts/logout/")
        response = site_sign_in(client, desk_agent, "/staff/desk/")

        assert not TOTPDevice.objects.filter(user=desk_agent).exists()
        assert response.redirect_chain[-1][0] == "/staff/desk/"

    def test_turning_it_off_needs_the_code_first(self, client, desk_agent):
        authenticator_for(desk_agent)
        site_sign_in(client, desk_agent)

        response = client.post("/accounts/two-factor/off/")

        assert response.status_code == 302 and response.url.startswith(CODE_PAGE)
        assert TOTPDevice.objects.filter(user=desk_agent).exists()

    def test_an_app_removed_in_the_admin_asks_for_no_more_codes(self, client, desk_agent):
        authenticator_for(desk_agent)
        site_sign_in(client, desk_agent)
        TOTPDevice.objects.filter(user=desk_agent).delete()  # lost phone, removed by an admin

        client.get(CODE_PAGE)

        assert client.get("/staff/desk/").status_code == 200

    def test_patrons_have_no_two_step_pages(self, client):
        client.force_login(PatronFactory())

        assert client.get(SETUP_PAGE).status_code == 404
        assert client.get(CODE_PAGE).status_code == 404
        assert not TOTPDevice.objects.exists()


class TestTheAdminListOfApps:
    def test_keys_are_never_shown_and_superusers_apps_are_theirs(self, client, network_admin):
        superuser = StaffFactory(is_superuser=True)
        desk_agent = StaffFactory(groups=["desk"])
        kept = authenticator_for(superuser)
        lost = authenticator_for(desk_agent)
        enter_admin(client, network_admin)

        listing = client.get("/admin/accounts/authenticatorapp/").content.decode()
        kept_page = client.get(f"/admin/accounts/authenticatorapp/{kept.pk}/change/")
        client.post(f"/admin/accounts/authenticatorapp/{lost.pk}/delete/", {"post": "yes"})

        # Links name the app, not the person: random names may be shared.
        assert f"/admin/accounts/authenticatorapp/{lost.pk}/change/" in listing
        assert f"/admin/accounts/authenticatorapp/{kept.pk}/change/" not in listing
        assert lost.key not in listing
        assert kept_page.status_code == 302  # not one of theirs: the admin says it is gone
        assert not TOTPDevice.objects.filter(pk=lost.pk).exists()
        assert TOTPDevice.objects.filter(pk=kept.pk).exists()

    def test_django_otp_s_own_admin_with_keys_and_qr_codes_is_not_mounted(self):
        assert TOTPDevice not in admin.site._registry
        assert AuthenticatorApp in admin.site._registry


class TestLostPhone:
    def test_the_command_removes_the_app_of_a_card(self, network_admin):
        authenticator_for(network_admin)
        out = io.StringIO()

        call_command("remove_authenticator", network_admin.card_number, stdout=out)

        assert not TOTPDevice.objects.filter(user=network_admin).exists()
        assert network_admin.card_number in out.getvalue()

    @pytest.mark.parametrize("card", ["99999999", "own"])
    def test_the_command_says_when_there_is_nothing_to_remove(self, network_admin, card):
        card = network_admin.card_number if card == "own" else card

        with pytest.raises(CommandError):
            call_command("remove_authenticator", card)

    def test_the_staff_menu_leads_to_the_setup(self, client, desk_agent):
        client.force_login(desk_agent)

        page = client.get("/staff/desk/").content.decode()

        assert f'href="{SETUP_PAGE}"' in page
