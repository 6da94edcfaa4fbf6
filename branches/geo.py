"""Distances between patrons and branches, and where a patron is.

A patron's position comes, in this order, from the browser's geolocation
(``?lat=&lon=``), from a postcode they typed (``?postcode=``, through the
PostcodeArea table, else the branches of that postcode), or from their home
branch. Distances are great-circle distances: at the scale of a city the
error against walking distance is the same for every branch, so the order
holds.
"""

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Avg, QuerySet

from .models import Branch, PostcodeArea

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    # Where it came from: "geolocation", "postcode" or "home_branch".
    source: str
    postcode: str = ""


def distance_km(latitude_a, longitude_a, latitude_b, longitude_b) -> float:
    """Return the great-circle distance between two points, in kilometres (haversine)."""
    lat_a, lon_a, lat_b, lon_b = map(
        math.radians, map(float, (latitude_a, longitude_a, latitude_b, longitude_b))
    )
    half_chord = (
        math.sin((lat_b - lat_a) / 2) ** 2
        + math.cos(lat_a) * math.cos(lat_b) * math.sin((lon_b - lon_a) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(half_chord))


def _coordinate(value: str | None, limit: int) -> float | None:
    try:
        number = Decimal((value or "").strip())
    except InvalidOperation:
        return None
    # copy_abs(), not abs(): abs() rounds in the context and overflows on 1e1000000.
    if not number.is_finite() or number.copy_abs() > limit:
        return None
    return float(number)


def normalize_postcode(value: str | None) -> str:
    """Return the postcode without spaces, or "" when it is not one (letters, digits, 2-10)."""
    postcode = "".join((value or "").split()).upper()
    return postcode if 2 <= len(postcode) <= 10 and postcode.isalnum() else ""


def position_from_postcode(postcode: str) -> Position | None:
    """Return the position of a postcode, or None when the network does not know it."""
    postcode = normalize_postcode(postcode)
    if not postcode:
        return None
    area = PostcodeArea.objects.filter(postcode=postcode).first()
    if area is not None:
        return Position(float(area.latitude), float(area.longitude), "postcode", postcode)
    # A network without postcode data: the branches of that postcode tell where it is.
    centre = Branch.objects.filter(postcode=postcode).aggregate(
        latitude=Avg("latitude"), longitude=Avg("longitude")
    )
    if centre["latitude"] is None:
        return None
    return Position(float(centre["latitude"]), float(centre["longitude"]), "postcode", postcode)


def position_from_request(request) -> Position | None:
    """Return where the patron is, from the query string or their home branch; None if unknown."""
    params = request.GET
    latitude, longitude = _coordinate(params.get("lat"), 90), _coordinate(params.get("lon"), 180)
    if latitude is not None and longitude is not None:
        return Position(latitude, longitude, "geolocation")
    position = position_from_postcode(params.get("postcode"))
    if position is not None:
        return position
    user = request.user
    home = getattr(user, "home_branch", None) if user.is_authenticated else None
    if home is not None:
        return Position(float(home.latitude), float(home.longitude), "home_branch")
    return None


def by_distance(branches: QuerySet[Branch] | list[Branch], position: Position | None) -> list:
    """Return the branches nearest first, each with a `distance_km` attribute (None if unknown)."""
    branches = list(branches)
    for branch in branches:
        branch.distance_km = (
            None
            if position is None
            else distance_km(
                position.latitude, position.longitude, branch.latitude, branch.longitude
            )
        )
    if position is not None:
        branches.sort(key=lambda branch: (branch.distance_km, branch.name))
    return branches
