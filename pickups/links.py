"""Links in e-mails that work without signing in, for one order and one purpose.

A link carries a signed token (``django.core.signing``, salted by purpose):
the order's id, the time it was made and the time it expires. Changing one
character breaks the signature; a token made for one purpose or one order
is refused for another; a token older than ``PICKUP_LINK_MAX_AGE_DAYS`` is
expired. The links a page makes from the link it was opened with keep that
link's expiry, so a link cannot renew itself forever. A token only ever
opens the page of its own order, which shows nothing of the patron's other
orders or account.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

PURPOSES = ("order", "slot", "arrival", "cancel")


class LinkInvalid(Exception):
    """The link was changed, cut, or made for something else."""


class LinkExpired(Exception):
    """The link is older than links live."""


@dataclass(frozen=True)
class LinkTarget:
    reservation_id: int
    purpose: str
    expires_at: datetime


def _signer(purpose: str) -> signing.TimestampSigner:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return signing.TimestampSigner(salt=f"pickups.link.{purpose}")


def _max_age() -> int:
    return settings.PICKUP_LINK_MAX_AGE_DAYS * 24 * 3600


def make_token(*, reservation_id: int, purpose: str, expires_at: datetime | None = None) -> str:
    """Return the token of a link to this order, for this purpose, valid until ``expires_at``.

    By default a link lives ``PICKUP_LINK_MAX_AGE_DAYS``; a link made from
    another one passes that one's expiry.
    """
    # time.time(), as the signer's own timestamp reads it.
    expires = int(expires_at.timestamp()) if expires_at else int(time.time()) + _max_age()
    return _signer(purpose).sign_object({"r": reservation_id, "x": expires}, compress=True)


def read_token(token: str, *, purpose: str) -> LinkTarget:
    """Return what a token opens, or raise LinkInvalid or LinkExpired."""
    try:
        data = _signer(purpose).unsign_object(token, max_age=_max_age())
    except signing.SignatureExpired:
        raise LinkExpired from None
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("r"), int)
        or not isinstance(data.get("x"), int)
    ):
        raise LinkInvalid
    if data["x"] < time.time():
        raise LinkExpired
    return LinkTarget(
        reservation_id=data["r"],
        purpose=purpose,
        expires_at=datetime.fromtimestamp(data["x"], tz=UTC),
    )


URL_NAMES = {
    "order": "pickups:order",
    "slot": "pickups:slot",
    "arrival": "pickups:arrival",
    "cancel": "pickups:cancel",
}


def pickup_path(reservation, purpose: str, *, expires_at=None) -> str:
    """Return the path of the signed page of this order for this purpose.

    A page opened by a link passes that link's ``expires_at``: the links it
    makes die with it.
    """
    token = make_token(reservation_id=reservation.pk, purpose=purpose, expires_at=expires_at)
    return reverse(URL_NAMES[purpose], args=[token])
