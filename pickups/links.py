"""Links in e-mails that work without signing in, for one order and one purpose.

A link carries a signed token (``django.core.signing``, salted by purpose):
the order's id and the purpose, with the time it was made. Changing one
character breaks the signature; a token made for one purpose or one order
is refused for another; a token older than ``PICKUP_LINK_MAX_AGE_DAYS`` is
expired. A token only ever opens the page of its own order, which shows
nothing of the patron's other orders or account.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

PURPOSES = ("order", "slot", "arrival", "cancel")


class LinkInvalid(Exception):
    """The link was changed, cut, or made for something else."""


class LinkExpired(Exception):
    """The link is older than links live."""


@dataclass(frozen=True)
class LinkTarget:
    reservation_id: int
    purpose: str


def _signer(purpose: str) -> signing.TimestampSigner:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return signing.TimestampSigner(salt=f"pickups.link.{purpose}")


def make_token(*, reservation_id: int, purpose: str) -> str:
    """Return the token of a link to this order, for this purpose."""
    return _signer(purpose).sign_object({"r": reservation_id}, compress=True)


def read_token(token: str, *, purpose: str) -> LinkTarget:
    """Return what a token opens, or raise LinkInvalid or LinkExpired."""
    max_age = settings.PICKUP_LINK_MAX_AGE_DAYS * 24 * 3600
    try:
        data = _signer(purpose).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid from None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise LinkInvalid
    return LinkTarget(reservation_id=data["r"], purpose=purpose)
