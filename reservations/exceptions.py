"""Errors of the lifecycle, each with a message a patron or librarian can read.

The message is translated when it is shown (``str(error)`` in the active
language), so a view only has to display it.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class ReadableError(Exception):
    """An error whose message people read: translated when shown, with its params."""

    message = _("This operation is not possible.")

    def __init__(self, message=None, **params):
        self.params = params
        if message is not None:
            self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        # The lazy message, not its text: ngettext_lazy picks its plural from the params.
        return str(self.message % self.params) if self.params else str(self.message)


class ReservationError(ReadableError):
    """A rule of click & collect was broken; nothing was written."""


class MembershipExpired(ReservationError):
    message = _(
        "Your membership ended on %(date)s. Please renew it at any library of the network "
        "before reserving."
    )


class ClickAndCollectClosed(ReservationError):
    message = _("%(branch)s does not offer click & collect at the moment.")


class ChannelNotAccepted(ReservationError):
    message = _("%(branch)s does not take orders by %(channel)s.")


class EmptyOrder(ReservationError):
    message = _("Choose at least one document.")


class DuplicateDocument(ReservationError):
    message = _("“%(title)s” is in the order twice.")


class AlreadyInAnOrder(ReservationError):
    message = _("“%(title)s” is already in order %(reference)s, not yet collected.")


class NotReservableOnline(ReservationError):
    message = _("“%(title)s” (%(type)s) cannot be reserved online.")


class TooManyDocuments(ReservationError):
    message = ngettext_lazy(
        "You can have at most %(limit)d document in orders not yet collected; "
        "you already have %(active)d.",
        "You can have at most %(limit)d documents in orders not yet collected; "
        "you already have %(active)d.",
        "limit",
    )


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


class NoMembership(ReservationError):
    message = _(
        "You have no membership yet. Please join at any library of the network before reserving."
    )


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
