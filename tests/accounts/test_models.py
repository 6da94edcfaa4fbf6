import datetime

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError

from accounts.models import User
from tests.factories import PatronFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_patron_signs_in_with_card_number_and_password(rf):
    patron = PatronFactory(card_number="10000042")

    request = rf.post("/accounts/login/")  # django-axes counts failures per request
    assert authenticate(request, username="10000042", password="correct horse battery") == patron
    assert authenticate(request, username="10000042", password="wrong") is None


def test_card_numbers_are_unique():
    PatronFactory(card_number="10000042")

    with pytest.raises(IntegrityError):
        User.objects.create_user("10000042", "x")


def test_empty_card_number_is_refused_by_the_manager_and_the_database():
    with pytest.raises(ValueError):
        User.objects.create_user("", "x")
    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(card_number="")])


def test_unknown_preferred_language_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(card_number="10000043", preferred_language="de")])


def test_superuser_is_staff_and_superuser():
    admin = User.objects.create_superuser("admin-01", "a-long-password")

    assert admin.is_staff and admin.is_superuser
    assert admin.check_password("a-long-password")


@pytest.mark.parametrize(
    ("ends_on", "valid"),
    [
        (datetime.date(2026, 11, 28), True),  # the last day still counts
        (datetime.date(2026, 11, 27), False),
        (datetime.date(2027, 1, 1), True),
    ],
)
def test_membership_is_valid_through_its_last_day(ends_on, valid):
    patron = PatronFactory.build(membership_expires_on=ends_on)

    assert patron.has_valid_membership(on=datetime.date(2026, 11, 28)) is valid


def test_patron_without_membership_date_has_no_valid_membership_but_staff_do():
    assert PatronFactory.build(membership_expires_on=None).has_valid_membership() is False
    assert StaffFactory.build().has_valid_membership() is True


def test_masked_card_number_shows_only_the_last_four_characters():
    assert PatronFactory.build(card_number="10002345").masked_card_number == "••••2345"
    assert PatronFactory.build(card_number="1234").masked_card_number == "1234"


def test_card_number_validator_rejects_spaces_and_symbols():
    from django.core.exceptions import ValidationError

    patron = PatronFactory.build(card_number="12 34;")

    with pytest.raises(ValidationError) as excinfo:
        patron.full_clean()
    assert "card_number" in excinfo.value.message_dict
