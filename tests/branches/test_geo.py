from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from branches.geo import (
    Position,
    by_distance,
    distance_km,
    normalize_postcode,
    position_from_postcode,
    position_from_request,
)
from branches.models import PostcodeArea
from tests.factories import BranchFactory, PatronFactory

# Václav Havel (18e) and the Canopée (1er), about 3.2 km apart as the crow flies.
HAVEL = (Decimal("48.889950"), Decimal("2.359870"))
CANOPEE = (Decimal("48.861819"), Decimal("2.347644"))


def request(user=None, **params):
    made = RequestFactory().get("/branches/", params)
    made.user = user or AnonymousUser()
    return made


def test_distance_between_two_paris_libraries():
    assert distance_km(*HAVEL, *CANOPEE) == pytest.approx(3.25, abs=0.05)
    assert distance_km(*HAVEL, *HAVEL) == 0


@pytest.mark.parametrize(
    ("typed", "expected"), [(" 75 018 ", "75018"), ("ab12cd", "AB12CD"), ("7", ""), ("75-018", "")]
)
def test_postcodes_are_normalized_or_refused(typed, expected):
    assert normalize_postcode(typed) == expected


@pytest.mark.django_db
def test_a_known_postcode_gives_its_area_centre():
    PostcodeArea.objects.create(
        postcode="75018", label="Buttes-Montmartre", latitude="48.892569", longitude="2.348161"
    )

    position = position_from_postcode("75018")

    assert (position.latitude, position.longitude, position.source) == (
        48.892569,
        2.348161,
        "postcode",
    )


@pytest.mark.django_db
def test_an_unknown_area_falls_back_on_the_branches_of_that_postcode():
    BranchFactory(postcode="33700", latitude="44.840000", longitude="-0.650000")
    BranchFactory(postcode="33700", latitude="44.850000", longitude="-0.640000")

    position = position_from_postcode("33700")

    assert position.latitude == pytest.approx(44.845)
    assert position.longitude == pytest.approx(-0.645)


@pytest.mark.django_db
def test_a_postcode_nobody_knows_gives_no_position():
    assert position_from_postcode("99999") is None


@pytest.mark.django_db
def test_browser_coordinates_come_first_then_postcode_then_home_branch():
    home = BranchFactory(latitude=CANOPEE[0], longitude=CANOPEE[1])
    patron = PatronFactory(home_branch=home)
    PostcodeArea.objects.create(postcode="75018", latitude=HAVEL[0], longitude=HAVEL[1])

    from_browser = position_from_request(request(patron, lat="48.85", lon="2.35", postcode="75018"))
    from_postcode = position_from_request(request(patron, postcode="75018"))
    from_home = position_from_request(request(patron))

    assert from_browser.source == "geolocation"
    assert from_postcode.source == "postcode"
    assert from_home == Position(float(CANOPEE[0]), float(CANOPEE[1]), "home_branch")
    assert position_from_request(request()) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"lat": "91", "lon": "2.3"},
        {"lat": "48.8", "lon": "nan"},
        {"lat": "48.8", "lon": "inf"},
        {"lat": "'; DROP TABLE", "lon": "2"},
        {"lat": "48.8"},
        {"postcode": "<script>"},
    ],
)
def test_nonsense_coordinates_are_ignored(params):
    assert position_from_request(request(**params)) is None


@pytest.mark.django_db
def test_branches_are_listed_nearest_first_with_their_distance():
    far = BranchFactory(name="Havel", latitude=HAVEL[0], longitude=HAVEL[1])
    near = BranchFactory(name="Canopée", latitude=CANOPEE[0], longitude=CANOPEE[1])
    at_chatelet = Position(48.8584, 2.3470, "geolocation")

    ordered = by_distance([far, near], at_chatelet)

    assert [b.name for b in ordered] == ["Canopée", "Havel"]
    assert ordered[0].distance_km == pytest.approx(0.38, abs=0.05)


@pytest.mark.django_db
def test_without_a_position_branches_keep_their_order_and_no_distance():
    branches = [BranchFactory(name="B"), BranchFactory(name="A")]

    ordered = by_distance(branches, None)

    assert [b.name for b in ordered] == ["B", "A"]
    assert ordered[0].distance_km is None
