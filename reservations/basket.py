"""The patron's basket: the documents chosen before checkout, kept in the session.

The basket stores record ids only; the records are read afresh for every page,
so a document removed from the catalogue or made non-reservable drops out.
It may be filled before signing in (the session survives the login); the cap
is checked when adding, against the documents of the patron's active orders,
and enforced once more, under lock, by `submit_reservation` at checkout.
"""

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from catalog.models import Record

from .exceptions import MembershipExpired, NoMembership, NotReservableOnline, ReservationError


class UnknownRecord(ReservationError):
    message = _("This document is not in the catalogue.")


class AlreadyInBasket(ReservationError):
    message = _("“%(title)s” is already in your basket.")


class AlreadyOrdered(ReservationError):
    message = _("“%(title)s” is already in your order %(reference)s.")


class BasketFull(ReservationError):
    message = ngettext_lazy(
        "You can have at most %(limit)d document in your basket and in orders not yet "
        "collected. Remove one before adding another.",
        "You can have at most %(limit)d documents in your basket and in orders not yet "
        "collected. Remove one before adding another.",
        "limit",
    )


class Basket:
    """The record ids a visitor has chosen, in the order they were added."""

    SESSION_KEY = "basket"

    def __init__(self, session) -> None:
        self.session = session

    @property
    def record_ids(self) -> list[int]:
        ids = self.session.get(self.SESSION_KEY, [])
        # The session is the browser's: keep only what is plainly ours.
        return [pk for pk in ids if isinstance(pk, int)] if isinstance(ids, list) else []

    def __len__(self) -> int:
        return len(self.record_ids)

    def __contains__(self, record_id: int) -> bool:
        return record_id in self.record_ids

    def _save(self, ids: list[int]) -> None:
        self.session[self.SESSION_KEY] = ids
        self.session.modified = True

    def add(
        self,
        record: Record | None,
        *,
        patron=None,
        active: int = 0,
        ordered: dict[int, str] | None = None,
    ) -> None:
        """Add a record, or raise the ReservationError that says why it cannot be.

        `patron` is the signed-in user (None when anonymous), `active` the number
        of documents their active orders hold and `ordered` maps those records to
        their order's reference (see `selectors.active_documents`).
        """
        ordered = ordered or {}
        if record is None:
            raise UnknownRecord()
        if patron is not None and not patron.has_valid_membership():
            if patron.membership_expires_on is None:
                raise NoMembership()
            raise MembershipExpired(date=formats.date_format(patron.membership_expires_on))
        if not record.document_type.reservable_online:
            raise NotReservableOnline(title=record.title, type=record.document_type.name)
        ids = self.record_ids
        if record.pk in ids:
            raise AlreadyInBasket(title=record.title)
        if record.pk in ordered:
            raise AlreadyOrdered(title=record.title, reference=ordered[record.pk])
        if active + len(ids) >= settings.MAX_ACTIVE_ITEMS:
            raise BasketFull(limit=settings.MAX_ACTIVE_ITEMS)
        self._save([*ids, record.pk])

    def remove(self, record_id: int) -> bool:
        """Take a record out; return whether it was there."""
        ids = self.record_ids
        if record_id not in ids:
            return False
        self._save([pk for pk in ids if pk != record_id])
        return True

    def keep_only(self, record_ids) -> None:
        """Forget the records that no longer exist or can no longer be reserved."""
        wanted = set(record_ids)
        ids = self.record_ids
        if any(pk not in wanted for pk in ids):
            self._save([pk for pk in ids if pk in wanted])

    def clear(self) -> None:
        self._save([])
