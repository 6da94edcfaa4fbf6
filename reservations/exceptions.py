"""Errors of the lifecycle, each with a message a patron or librarian can read.

The message is translated when it is shown (``str(error)`` in the active
language), so a view only has to display it. An error of ordering may also
say the rule to a librarian acting for the patron (``error.for_staff()``:
"this patron" rather than "you"; see core/errors.py).
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core.errors import ReadableError


class ReservationError(ReadableError):
    """A rule of click & collect was broken; nothing was written."""


# Ordering: what a draft may take and what an order must satisfy (ordering.py).

_NO_VALID_MEMBERSHIP_FOR_STAFF = _("This patron has no valid membership: they cannot reserve.")


class MembershipExpired(ReservationError):
    message = _(
        "Your membership ended on %(date)s. Please renew it at any library of the network "
        "before reserving."
    )
    staff_message = _NO_VALID_MEMBERSHIP_FOR_STAFF


class NoMembership(ReservationError):
    message = _(
        "You have no membership yet. Please join at any library of the network before reserving."
    )
    staff_message = _NO_VALID_MEMBERSHIP_FOR_STAFF


class UnknownRecord(ReservationError):
    message = _("This document is not in the catalogue.")


class AlreadyInDraft(ReservationError):
    message = _("“%(title)s” is already in your basket.")
    staff_message = _("“%(title)s” is already in this order.")


class AlreadyInAnOrder(ReservationError):
    message = _("“%(title)s” is already in your order %(reference)s.")
    staff_message = _("“%(title)s” is already in the patron's order %(reference)s.")


class DraftFull(ReservationError):
    message = ngettext_lazy(
        "You can have at most %(limit)d document in your basket and in orders not yet "
        "collected. Remove one before adding another.",
        "You can have at most %(limit)d documents in your basket and in orders not yet "
        "collected. Remove one before adding another.",
        "limit",
    )
    staff_message = ngettext_lazy(
        "A patron can have at most %(limit)d document in orders not yet collected: "
        "remove one before adding another.",
        "A patron can have at most %(limit)d documents in orders not yet collected: "
        "remove one before adding another.",
        "limit",
    )


class TooManyDocuments(ReservationError):
    message = ngettext_lazy(
        "You can have at most %(limit)d document in orders not yet collected; "
        "you already have %(active)d.",
        "You can have at most %(limit)d documents in orders not yet collected; "
        "you already have %(active)d.",
        "limit",
    )
    staff_message = ngettext_lazy(
        "A patron can have at most %(limit)d document in orders not yet collected; "
        "this one already has %(active)d.",
        "A patron can have at most %(limit)d documents in orders not yet collected; "
        "this one already has %(active)d.",
        "limit",
    )


class NoBranchChosen(ReservationError):
    message = _("Choose how the order came in and the pickup library first.")


class ClickAndCollectClosed(ReservationError):
    message = _("%(branch)s does not offer click & collect at the moment.")


class ChannelNotAccepted(ReservationError):
    message = _("%(branch)s does not take orders by %(channel)s.")


class EmptyOrder(ReservationError):
    message = _("Choose at least one document.")


class DuplicateDocument(ReservationError):
    message = _("“%(title)s” is in the order twice.")


class NotReservableOnline(ReservationError):
    message = _("“%(title)s” (%(type)s) cannot be reserved online.")


# Allocation and the later steps of an order.


class NoLongerAvailable(ReservationError):
    message = _("“%(title)s” is no longer available at %(branch)s.")


class IllegalTransition(ReservationError):
    message = _("Order %(reference)s is %(status)s: it cannot be %(action)s.")


class WrongBarcode(ReservationError):
    message = _(
        "The copy %(barcode)s is not the one set aside for “%(title)s” (expected %(expected)s)."
    )


class UnknownBarcode(ReservationError):
    message = _("No copy has the barcode %(barcode)s.")


class NotOnLoan(ReservationError):
    message = _("The copy %(barcode)s is not on loan.")


class NotAllowed(ReservationError):
    message = _("You cannot change order %(reference)s.")


class IllegalLineTransition(IllegalTransition):
    message = _("“%(title)s” is %(status)s: it cannot be %(action)s.")


class NotInOrder(ReservationError):
    message = _("“%(title)s” is not part of order %(reference)s.")


class NotFullyPrepared(ReservationError):
    message = ngettext_lazy(
        "%(count)d document of order %(reference)s is still to be pulled from the shelf or "
        "reported missing.",
        "%(count)d documents of order %(reference)s are still to be pulled from the shelf or "
        "reported missing.",
        "count",
    )


class NothingPicked(ReservationError):
    message = _("No document of order %(reference)s was found on the shelves: cancel it instead.")
