"""Password guessing (issue 14, item 2): cards locked, addresses slowed, weak passwords refused."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from notifications.models import Notification
from tests.factories import PASSWORD, PatronFactory, StaffFactory
from tests.two_factor import enter_admin

pytestmark = pytest.mark.django_db

MORNING = datetime.datetime(2027, 3, 9, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def sign_in(client, card_number, password, url="/accounts/login/"):
    return client.post(url, {"username": card_number, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


class TestCardLockout:
    def test_five_wrong_passwords_then_the_right_one_does_not_sign_in(self, client):
        patron = PatronFactory()
        for _ in range(5):
            sign_in(client, patron.card_number, "guess")

        response = sign_in(client, patron.card_number, PASSWORD)

        assert response.status_code == 429
        assert not signed_in(client)
        page = response.content.decode()
        assert "Connexion suspendue" in page
        assert "Réessayez dans 15 minutes" in page

    def test_the_card_opens_again_after_fifteen_minutes(self, client, time_machine):
        patron = PatronFactory()
        time_machine.move_to(MORNING, tick=False)
        for _ in range(5):
            sign_in(client, patron.card_number, "guess")

        time_machine.move_to(MORNING + datetime.timedelta(minutes=16), tick=False)
        response = sign_in(client, patron.card_number, PASSWORD)

        assert response.status_code == 302
        assert signed_in(client)

    def test_a_locked_card_does_not_lock_the_other_patrons_of_the_library(self, client):
        locked, other = PatronFactory(), PatronFactory()
        for _ in range(5):
            sign_in(client, locked.card_number, "guess")

        response = sign_in(client, other.card_number, PASSWORD)

        assert response.status_code == 302

    def test_four_mistakes_then_the_right_password_signs_in_and_forgets_them(self, client):
        patron = PatronFactory()
        for _ in range(4):
            sign_in(client, patron.card_number, "guess")

        assert sign_in(client, patron.card_number, PASSWORD).status_code == 302
        assert not AccessAttempt.objects.filter(username=patron.card_number).exists()

    def test_the_admin_sign_in_locks_the_card_too(self, client):
        admin = StaffFactory(groups=["network admin"])
        for _ in range(5):
            sign_in(client, admin.card_number, "guess", url="/admin/login/")

        response = sign_in(client, admin.card_number, PASSWORD, url="/admin/login/")

        assert response.status_code == 429
        assert not signed_in(client)

    def test_a_superuser_unlocks_the_card_in_the_admin(self, client):
        patron = PatronFactory()
        for _ in range(5):
            sign_in(client, patron.card_number, "guess")
        attempt = AccessAttempt.objects.get(username=patron.card_number)
        enter_admin(client, StaffFactory(is_superuser=True))

        client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
        client.logout()

        assert sign_in(client, patron.card_number, PASSWORD).status_code == 302


class TestAddressLimit:
    def test_an_address_trying_many_cards_is_slowed_down(self, client, settings):
        settings.SIGN_IN_RATE_PER_ADDRESS = "3/m"
        patrons = PatronFactory.create_batch(4)
        for patron in patrons[:3]:
            sign_in(client, patron.card_number, "guess")

        response = sign_in(client, patrons[3].card_number, PASSWORD)

        assert response.status_code == 429
        assert "Trop de tentatives" in response.content.decode()
        assert not signed_in(client)

    def test_the_default_limit_lets_a_busy_public_computer_sign_in(self, client):
        patrons = PatronFactory.create_batch(20)
        for patron in patrons:
            assert sign_in(client, patron.card_number, PASSWORD).status_code == 302
            client.logout()


class TestPasswordReset:
    @pytest.mark.django_db(transaction=True)  # the e-mails leave the outbox after commit
    def test_three_reset_e_mails_an_hour_for_one_address_at_most(
        self, client, mailoutbox, time_machine
    ):
        PatronFactory(email="zoe@example.org")
        answers = []
        for second in range(4):
            # A few seconds apart: the same link asked twice in one second is sent once.
            time_machine.move_to(MORNING + datetime.timedelta(seconds=2 * second), tick=False)
            answers.append(
                client.post("/accounts/password-reset/", {"email": "zoe@example.org"}).status_code
            )

        assert answers == [302, 302, 302, 429]
        assert len(mailoutbox) == 3

    def test_an_address_asking_for_many_accounts_is_slowed_down(self, client, settings):
        settings.PASSWORD_RESET_RATE_PER_ADDRESS = "2/m"
        answers = [
            client.post("/accounts/password-reset/", {"email": f"p{n}@example.org"}).status_code
            for n in range(3)
        ]

        assert answers == [302, 302, 429]


class TestPasswordRules:
    @pytest.mark.parametrize(
        "password", ["hugorobert", "Robert Hugo", "hugo.robert.1985", "10000042hugo", "azerty12"]
    )
    def test_names_card_numbers_and_short_or_common_passwords_are_refused(self, password):
        user = PatronFactory.build(first_name="Hugo", last_name="Robert", card_number="10000042")

        with pytest.raises(ValidationError):
            validate_password(password, user)

    def test_eleven_characters_are_too_few(self):
        with pytest.raises(ValidationError) as refused:
            validate_password("k7#pW2!qZ9m", PatronFactory.build())

        assert "12" in str(refused.value)

    def test_a_passphrase_is_accepted(self):
        validate_password(
            "la bibliothèque ouvre à dix heures",
            PatronFactory.build(first_name="Hugo", last_name="Robert"),
        )


def test_the_reset_e_mail_goes_through_the_outbox_not_the_request(client, mailoutbox):
    patron = PatronFactory(email="zoe@example.org", preferred_language="en")

    client.post("/accounts/password-reset/", {"email": "zoe@example.org"})

    notification = Notification.objects.get(kind="password_reset")
    assert notification.recipient == patron
    assert notification.status == "queued"
    assert notification.language == "en"
    assert "/accounts/password-reset/" in notification.body_text
    assert mailoutbox == []  # a worker sends it once the request has committed


class TestPasswordHashing:
    """Argon2id at the project's costs (bench/password_hashing.py), PBKDF2 hashes upgraded."""

    @pytest.fixture
    def production_hashers(self, settings):
        from config import settings as project  # the module: tests/conftest.py sets MD5

        settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS
        return settings

    def test_a_new_password_is_hashed_with_argon2id_at_the_projects_costs(self, production_hashers):
        patron = PatronFactory()
        patron.set_password("a long enough phrase")
        patron.save()

        assert patron.password.startswith("argon2$argon2id$v=19$m=32768,t=2,p=1$")

    def test_a_pbkdf2_hash_signs_in_and_is_upgraded(self, client, production_hashers):
        patron = PatronFactory()
        patron.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
        patron.save()

        response = sign_in(client, patron.card_number, PASSWORD)

        assert response.status_code == 302 and signed_in(client)
        patron.refresh_from_db()
        assert patron.password.startswith("argon2$argon2id$v=19$m=32768,t=2,p=1$")
