"""Sessions end after a while without activity, and with the browser (issue 14, item 7)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.messages import get_messages

from config import settings as config_settings
from tests.factories import BranchFactory, PatronFactory, StaffFactory

pytestmark = pytest.mark.django_db

MORNING = datetime.datetime(2027, 3, 9, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
PASSWORD = "correct horse battery"


def sign_in(client, user):
    response = client.post("/accounts/login/", {"username": user.card_number, "password": PASSWORD})
    assert response.status_code == 302
    return response


@pytest.fixture
def librarian(db):
    return StaffFactory(groups=["librarian"], branches=[BranchFactory()], preferred_language="en")


@pytest.fixture(autouse=True)
def network_defaults(settings):
    """The time-outs a network gets without setting anything (the suite lifts them elsewhere)."""
    settings.STAFF_SESSION_IDLE_MINUTES = config_settings.STAFF_SESSION_IDLE_MINUTES
    settings.PATRON_SESSION_IDLE_MINUTES = config_settings.PATRON_SESSION_IDLE_MINUTES


def test_the_defaults_are_four_hours_for_staff_one_for_patrons_both_with_the_browser():
    assert config_settings.STAFF_SESSION_IDLE_MINUTES == 240
    assert config_settings.PATRON_SESSION_IDLE_MINUTES == 60
    assert config_settings.STAFF_SESSION_ENDS_WITH_BROWSER
    assert config_settings.PATRON_SESSION_ENDS_WITH_BROWSER


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


class TestStaff:
    def test_four_hours_without_a_request_sign_a_librarian_out(
        self, client, librarian, time_machine
    ):
        time_machine.move_to(MORNING, tick=False)
        sign_in(client, librarian)
        client.get("/staff/queue/")

        time_machine.move_to(MORNING + datetime.timedelta(hours=4, minutes=1), tick=False)
        response = client.get("/staff/queue/")

        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
        assert not signed_in(client)
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "You were signed out after 240 minutes without activity."
        ]

    def test_activity_keeps_the_session_open_all_day(self, client, librarian, time_machine):
        time_machine.move_to(MORNING, tick=False)
        sign_in(client, librarian)
        for hours in (3, 6, 9):
            time_machine.move_to(MORNING + datetime.timedelta(hours=hours), tick=False)
            assert client.get("/staff/queue/").status_code == 200

        assert signed_in(client)

    def test_the_session_cookie_ends_with_the_browser(self, client, librarian):
        response = sign_in(client, librarian)
        client.get("/staff/queue/")

        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        assert cookie["max-age"] == "" and cookie["expires"] == ""
        assert client.session.get_expire_at_browser_close()
        assert response.status_code == 302

    def test_the_idle_time_is_a_setting(self, client, librarian, time_machine, settings):
        settings.STAFF_SESSION_IDLE_MINUTES = 30
        time_machine.move_to(MORNING, tick=False)
        sign_in(client, librarian)
        client.get("/staff/queue/")

        time_machine.move_to(MORNING + datetime.timedelta(minutes=31), tick=False)
        client.get("/staff/queue/")

        assert not signed_in(client)


class TestPatrons:
    def test_an_hour_without_a_request_signs_a_patron_out_in_french(self, client, time_machine):
        patron = PatronFactory()
        time_machine.move_to(MORNING, tick=False)
        sign_in(client, patron)

        time_machine.move_to(MORNING + datetime.timedelta(minutes=61), tick=False)
        response = client.get("/account/reservations/")

        assert response.status_code == 302
        assert not signed_in(client)
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "Votre session a pris fin après 60 minutes sans activité : reconnectez-vous."
        ]

    def test_a_network_may_keep_patrons_signed_in_after_the_browser_closes(self, client, settings):
        settings.PATRON_SESSION_ENDS_WITH_BROWSER = False
        sign_in(client, PatronFactory())
        client.get("/account/reservations/")

        assert not client.session.get_expire_at_browser_close()
        assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] != ""


def sign_in_remembered(client, user, **extra):
    response = client.post(
        "/accounts/login/",
        {"username": user.card_number, "password": PASSWORD, "remember": "on", **extra},
    )
    assert response.status_code == 302
    return response


class TestStayingSignedIn:
    """A patron at home ticks "stay signed in": one sign-in for a lockdown week (issue 15)."""

    def test_the_sign_in_page_offers_it_unticked_with_a_warning_about_shared_computers(
        self, client
    ):
        page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

        assert 'type="checkbox" name="remember"' in page
        assert "checked" not in page.split('name="remember"')[1].split(">")[0]
        assert "Rester connecté sur cet appareil" in page
        assert "Pendant 14 jours, même si vous fermez le navigateur." in page
        assert 'aria-describedby="id_remember_helptext"' in page

    def test_a_remembered_patron_stays_signed_in_across_a_week_and_a_closed_browser(
        self, client, time_machine
    ):
        time_machine.move_to(MORNING, tick=False)
        sign_in_remembered(client, PatronFactory())

        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        assert int(cookie["max-age"]) == 15 * 24 * 3600  # the idle limit tells, then it goes
        assert not client.session.get_expire_at_browser_close()
        # A visit every few days, with hours of nothing between them.
        for days in (1, 4, 9, 13):
            time_machine.move_to(MORNING + datetime.timedelta(days=days), tick=False)
            assert client.get("/account/reservations/").status_code == 200
        assert signed_in(client)

    def test_fourteen_days_without_a_visit_sign_them_out_and_say_so(self, client, time_machine):
        time_machine.move_to(MORNING, tick=False)
        sign_in_remembered(client, PatronFactory(preferred_language="en"))

        time_machine.move_to(MORNING + datetime.timedelta(days=14, minutes=1), tick=False)
        response = client.get("/account/reservations/")

        assert response.status_code == 302
        assert not signed_in(client)
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "You were signed out after 14 days without a visit."
        ]

    def test_unticked_the_patron_keeps_the_hour_and_the_browser_s_life(self, client, time_machine):
        time_machine.move_to(MORNING, tick=False)
        sign_in(client, PatronFactory())
        assert client.session.get_expire_at_browser_close()

        time_machine.move_to(MORNING + datetime.timedelta(minutes=61), tick=False)
        client.get("/account/reservations/")

        assert not signed_in(client)

    def test_staff_who_tick_it_still_get_the_desk_rules(self, client, librarian, time_machine):
        time_machine.move_to(MORNING, tick=False)
        sign_in_remembered(client, librarian)
        client.get("/staff/queue/")

        assert client.session.get_expire_at_browser_close()
        time_machine.move_to(MORNING + datetime.timedelta(hours=4, minutes=1), tick=False)
        client.get("/staff/queue/")
        assert not signed_in(client)

    def test_a_network_can_take_the_choice_away(self, client, settings, time_machine):
        settings.PATRON_REMEMBER_DAYS = 0
        assert 'name="remember"' not in client.get("/accounts/login/").content.decode()

        time_machine.move_to(MORNING, tick=False)
        sign_in_remembered(client, PatronFactory())
        assert client.session.get_expire_at_browser_close()
        time_machine.move_to(MORNING + datetime.timedelta(minutes=61), tick=False)
        client.get("/account/reservations/")
        assert not signed_in(client)

    def test_a_wrong_password_with_the_box_ticked_signs_no_one_in(self, client):
        patron = PatronFactory()
        response = client.post(
            "/accounts/login/",
            {"username": patron.card_number, "password": "not it at all", "remember": "on"},
        )

        assert response.status_code == 200
        assert not signed_in(client)
        assert response.context["form"]["remember"].value() is True  # kept for the next try
