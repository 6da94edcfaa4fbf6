"""Create the demo patrons and staff, and say how to sign in as them.

Passwords are fixed and public (this is demo data): every patron signs in
with ``demo-patron``, the librarian and the desk agent with ``demo-staff``,
the network administrator with ``demo-admin``. Each password is hashed once
and the hash reused, because a PBKDF2 hash costs about half a second.
"""

import datetime
import functools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Max
from django.utils.text import slugify

from accounts.models import User
from accounts.roles import ensure_roles
from branches.models import Branch

from .bulk_load import load_rows, reset_sequences

# Public on purpose: printed at the end of the seed so that anyone can sign in.
PATRON_PASSWORD = "demo-patron"  # noqa: S105
STAFF_PASSWORD = "demo-staff"  # noqa: S105
ADMIN_PASSWORD = "demo-admin"  # noqa: S105
FIRST_CARD_NUMBER = 10_000_001
ADMIN_CARD, LIBRARIAN_CARD, DESK_CARD = "admin", "librarian", "desk"
STAFF_BRANCH_CODE = "vaclav-havel"
EMAIL_DOMAIN = "example.org"

# The first patrons are the ones printed in the sign-in table, one of each case.
FRENCH_VALID, ENGLISH_VALID, LONG_EXPIRED, ENDED_SINCE_SEPTEMBER = range(4)
ENGLISH_EVERY = 10  # one patron in ten reads the e-mails in English
ENDED_SINCE_SEPTEMBER_EVERY = 8  # a few memberships to extend in the autumn campaign
LOGINS_SHOWN = 4  # patrons in the sign-in table


@dataclass(frozen=True)
class Login:
    """A line of the sign-in table printed at the end of the seed."""

    role: str
    card_number: str
    password: str
    name: str
    note: str = ""


@dataclass(frozen=True)
class CreatedPatrons:
    """The patrons the seed created: their ids in card-number order, and the printed logins."""

    ids: list[int]
    logins: list[Login]


PATRON_COLUMNS = (
    "id",
    "card_number",
    "password",
    "first_name",
    "last_name",
    "email",
    "phone",
    "home_branch_id",
    "preferred_language",
    "membership_expires_on",
    "is_superuser",
    "is_staff",
    "is_active",
    "date_joined",
)


def create_staff(branches: Sequence[Branch]) -> list[Login]:
    """Create the network administrator, a librarian and a desk agent."""
    branch = next((b for b in branches if b.code == STAFF_BRANCH_CODE), None) or next(
        (b for b in branches if b.click_and_collect_enabled), None
    )
    admin = User.objects.create(
        card_number=ADMIN_CARD,
        password=make_password(ADMIN_PASSWORD),
        first_name="Camille",
        last_name="Administratrice",
        email=f"admin@{EMAIL_DOMAIN}",
        is_staff=True,
        is_superuser=True,
    )
    staff_hash = make_password(STAFF_PASSWORD)
    librarian = User.objects.create(
        card_number=LIBRARIAN_CARD,
        password=staff_hash,
        first_name="Louise",
        last_name="Bibliothécaire",
        email=f"librarian@{EMAIL_DOMAIN}",
        home_branch=branch,
        is_staff=True,
    )
    desk = User.objects.create(
        card_number=DESK_CARD,
        password=staff_hash,
        first_name="Karim",
        last_name="Accueil",
        email=f"desk@{EMAIL_DOMAIN}",
        home_branch=branch,
        is_staff=True,
    )
    # Made after every migrate (accounts/roles.py); again here if the database was flushed since.
    ensure_roles()
    groups = {group.name: group for group in Group.objects.all()}
    admin.groups.add(groups["network admin"])
    librarian.groups.add(groups["librarian"])
    desk.groups.add(groups["desk"])
    where = ""
    if branch is not None:
        librarian.branches.add(branch)
        desk.branches.add(branch)
        where = f"at {branch.name}"
    return [
        Login("network admin (superuser)", admin.card_number, ADMIN_PASSWORD, _name(admin)),
        Login("librarian", librarian.card_number, STAFF_PASSWORD, _name(librarian), where),
        Login("desk agent", desk.card_number, STAFF_PASSWORD, _name(desk), where),
    ]


def create_patrons(
    count: int,
    *,
    branches: Sequence[Branch],
    seed: int,
    today: datetime.date,
    timestamp: datetime.datetime,
    batch_size: int,
) -> CreatedPatrons:
    """Create ``count`` patrons, card numbers 10000001 and on, with the loaders (COPY).

    Return their ids and the sign-in lines of the first ones, one of each case.
    """
    first_id = (User.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    rows = patron_rows(
        count, first_id=first_id, branches=branches, seed=seed, today=today, timestamp=timestamp
    )
    written = load_rows(User, PATRON_COLUMNS, rows, batch_size=batch_size, label="patrons")
    reset_sequences(User)
    ids = list(range(first_id, first_id + written))
    campaign_start = campaign_start_for(today)
    shown = User.objects.filter(pk__in=ids[:LOGINS_SHOWN]).order_by("pk")
    return CreatedPatrons(
        ids=ids, logins=[_patron_login(patron, today, campaign_start) for patron in shown]
    )


def patron_rows(
    count: int,
    *,
    first_id: int,
    branches: Sequence[Branch],
    seed: int,
    today: datetime.date,
    timestamp: datetime.datetime,
) -> Iterator[tuple]:
    """Yield the rows of ``count`` patrons, columns in the order of ``PATRON_COLUMNS``."""
    from faker import Faker  # a development dependency (through factory-boy)

    french, english = Faker("fr_FR"), Faker("en_GB")
    french.seed_instance(seed)
    english.seed_instance(seed)
    rng = random.Random(f"patrons:{seed}")
    phones = random.Random(f"phones:{seed}")
    homes = [branch.pk for branch in branches if branch.click_and_collect_enabled] or [
        branch.pk for branch in branches
    ]
    password = make_password(PATRON_PASSWORD)
    campaign_start = campaign_start_for(today)
    for index in range(count):
        speaks_english = index % ENGLISH_EVERY == ENGLISH_VALID
        fake = english if speaks_english else french
        first_name, last_name = fake.first_name(), fake.last_name()
        card_number = str(FIRST_CARD_NUMBER + index)
        yield (
            first_id + index,
            card_number,
            password,
            first_name,
            last_name,
            f"{_slug(first_name)}.{_slug(last_name)}.{card_number}@{EMAIL_DOMAIN}",
            _mobile_number(phones),
            rng.choice(homes) if homes else None,
            "en" if speaks_english else "fr",
            _membership_end(index, rng, today, campaign_start),
            False,
            False,
            True,
            timestamp,
        )


def campaign_start_for(today: datetime.date) -> datetime.date:
    """Return the last 1 September before today (the extension campaign's start)."""
    this_year = datetime.date(today.year, 9, 1)
    return this_year if this_year < today else datetime.date(today.year - 1, 9, 1)


def _membership_end(
    index: int, rng: random.Random, today: datetime.date, campaign_start: datetime.date
) -> datetime.date:
    if index == LONG_EXPIRED:
        return datetime.date(today.year - 2, 6, 30)
    if index % ENDED_SINCE_SEPTEMBER_EVERY == ENDED_SINCE_SEPTEMBER:
        days_since = (today - campaign_start).days  # at least 1
        return campaign_start + datetime.timedelta(days=rng.randrange(days_since))
    return today + datetime.timedelta(days=rng.randint(30, 730))


def _patron_login(patron: User, today: datetime.date, campaign_start: datetime.date) -> Login:
    ends = patron.membership_expires_on
    if ends < campaign_start:
        note = f"membership EXPIRED on {ends:%Y-%m-%d}"
    elif ends < today:
        note = f"membership ended on {ends:%Y-%m-%d} (since 1 Sept.: campaign)"
    else:
        note = f"valid until {ends:%Y-%m-%d}"
    if patron.preferred_language == "en":
        note = f"English-speaking; {note}"
    return Login("patron", patron.card_number, PATRON_PASSWORD, _name(patron), note)


@functools.lru_cache(maxsize=4096)
def _slug(name: str) -> str:
    # Names repeat a lot across a million patrons; slugify is not cheap.
    return slugify(name)


def _mobile_number(rng: random.Random) -> str:
    """Return a French mobile number, 06 or 07 and four pairs of digits."""
    number = rng.randrange(2 * 10**8)
    prefix, rest = divmod(number, 10**8)
    digits = f"{rest:08d}"
    return f"0{6 + prefix} " + " ".join(digits[i : i + 2] for i in range(0, 8, 2))


def _name(user: User) -> str:
    return user.get_full_name()
