"""Create the demo branches: the real lending libraries of Paris.

Rules for what the open data does not say:

- click & collect is off where the hours are unknown or say "closed" (works,
  closed sites), and at every fourth of the other libraries in file order,
  which leaves about two thirds of the network taking orders, as in Paris
  where the service opened in 23 libraries first;
- phone orders where the library has a phone number, e-mail orders where it
  has an e-mail address (click & collect libraries only);
- 24-hour processing in médiathèques (larger teams), 48 hours elsewhere.
"""

import csv
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils.text import slugify

from branches.models import Branch, OpeningHours, PostcodeArea

from .opening_hours import DEFAULT_WEEKLY_HOURS, UnreadableHours, WeeklyHours, parse_opening_hours
from .people import STAFF_BRANCH_CODE
from .sources import DATA_DIR

LIBRARIES_FILE = DATA_DIR / "paris_libraries.csv"
LENDING = "lending"
EVERY_NTH_WITHOUT_CLICK_AND_COLLECT = 4
COORDINATE_PLACES = Decimal("0.000001")
_NAME_PREFIX = re.compile(
    r"^(?:bibliothèque|médiathèque)\s+(?:(?:du|des|de la|de l['’])\s*)?", re.IGNORECASE
)


@dataclass
class BranchSpec:
    """A lending library as read from the file, with the demo's choices applied."""

    code: str
    name: str
    address: str
    postcode: str
    city: str
    latitude: Decimal
    longitude: Decimal
    phone: str
    email: str
    website: str
    weekly_hours: WeeklyHours
    hours_are_default: bool
    click_and_collect_enabled: bool = True
    accepts_phone_orders: bool = False
    accepts_email_orders: bool = False
    processing_hours: int = 48
    appointments_enabled: bool = False


def read_lending_branches(path: Path = LIBRARIES_FILE) -> list[BranchSpec]:
    """Return the lending libraries of the file (heritage libraries do not lend)."""
    specs: list[BranchSpec] = []
    codes: set[str] = set()
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            if row["network"] != LENDING:
                continue
            try:
                weekly_hours, hours_are_default = (
                    parse_opening_hours(row["opening_hours_osm"]),
                    False,
                )
            except UnreadableHours:
                weekly_hours, hours_are_default = DEFAULT_WEEKLY_HOURS, True
            specs.append(
                BranchSpec(
                    code=_unique_code(row["name"], codes),
                    name=row["name"],
                    address=row["address_osm"] or row["address"],
                    postcode=row["postcode"],
                    city=row["city"] or "Paris",
                    latitude=Decimal(row["latitude"]).quantize(COORDINATE_PLACES),
                    longitude=Decimal(row["longitude"]).quantize(COORDINATE_PLACES),
                    phone=format_phone(row["phone_osm"]),
                    email=row["email_osm"],
                    website=row["website_osm"],
                    weekly_hours=weekly_hours,
                    hours_are_default=hours_are_default,
                )
            )
    _apply_service_rules(specs)
    return specs


def _apply_service_rules(specs: list[BranchSpec]) -> None:
    with_known_hours = 0
    for spec in specs:
        if spec.hours_are_default:
            spec.click_and_collect_enabled = False
        else:
            with_known_hours += 1
            spec.click_and_collect_enabled = (
                with_known_hours % EVERY_NTH_WITHOUT_CLICK_AND_COLLECT != 0
            )
        spec.accepts_phone_orders = spec.click_and_collect_enabled and bool(spec.phone)
        spec.accepts_email_orders = spec.click_and_collect_enabled and bool(spec.email)
        spec.processing_hours = 24 if spec.name.startswith("Médiathèque") else 48
        # The médiathèques and the demo staff's branch give pickup appointments
        # (15 minutes, 2 patrons each), so that the staff board has some to show.
        spec.appointments_enabled = spec.click_and_collect_enabled and (
            spec.name.startswith("Médiathèque") or spec.code == STAFF_BRANCH_CODE
        )


def _unique_code(name: str, taken: set[str]) -> str:
    """Return a slug of the name without "Bibliothèque du..." ("vaclav-havel")."""
    base = slugify(_NAME_PREFIX.sub("", name))[:32].strip("-") or "branch"
    code, number = base, 1
    while code in taken:
        number += 1
        suffix = f"-{number}"
        code = base[: 32 - len(suffix)] + suffix
    taken.add(code)
    return code


def format_phone(phone: str) -> str:
    """Return "+33 1 53 82 76 76" from "+33153827676" or "+331 53 82 76 76"."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("33"):
        national = digits[2:]
        return "+33 " + national[0] + " " + " ".join(re.findall(r"\d\d", national[1:]))
    return phone.strip()


def create_branches(specs: list[BranchSpec]) -> list[Branch]:
    """Create the branches and their weekly opening hours; return the branches."""
    branches = Branch.objects.bulk_create(
        Branch(
            code=spec.code,
            name=spec.name,
            address=spec.address,
            postcode=spec.postcode,
            city=spec.city,
            latitude=spec.latitude,
            longitude=spec.longitude,
            phone=spec.phone,
            email=spec.email,
            website=spec.website,
            click_and_collect_enabled=spec.click_and_collect_enabled,
            accepts_phone_orders=spec.accepts_phone_orders,
            accepts_email_orders=spec.accepts_email_orders,
            processing_hours=spec.processing_hours,
            appointments_enabled=spec.appointments_enabled,
        )
        for spec in specs
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(branch=branch, weekday=weekday, opens_at=opens_at, closes_at=closes_at)
        for branch, spec in zip(branches, specs, strict=True)
        for weekday, intervals in spec.weekly_hours.items()
        for opens_at, closes_at in intervals
    )
    return branches


ARRONDISSEMENTS_FILE = DATA_DIR / "paris_arrondissements.csv"


def create_postcode_areas(path: Path = ARRONDISSEMENTS_FILE) -> int:
    """Load the Paris postcodes with their centroids, for "nearest branch from my postcode"."""
    with path.open(encoding="utf-8", newline="") as file:
        areas = [
            PostcodeArea(
                postcode=row["postcode"],
                label=row["official_name"],
                latitude=Decimal(row["centroid_lat"]),
                longitude=Decimal(row["centroid_lon"]),
            )
            for row in csv.DictReader(file)
        ]
    PostcodeArea.objects.bulk_create(areas)
    return len(areas)
