"""Why a pickup appointment or an arrival is refused, in words a patron reads."""

from django.utils.translation import gettext_lazy as _

from core.errors import ReadableError


class PickupError(ReadableError):
    """A rule of pickup appointments was broken; nothing was written."""


class AppointmentsNotOffered(PickupError):
    message = _("%(branch)s does not take pickup appointments: come during its opening hours.")


class OrderNotReady(PickupError):
    message = _(
        "Your order %(reference)s is not ready for pickup: there is nothing to collect yet."
    )


class SlotPast(PickupError):
    message = _("This time has passed: choose a later one.")


class SlotBeyondDeadline(PickupError):
    message = _("This time is after %(deadline)s, when your order stops waiting for you.")


class SlotNotOffered(PickupError):
    message = _("%(branch)s does not offer this time: choose one of the times listed.")


class SlotFull(PickupError):
    message = _("This time has just been taken by other patrons: choose another one.")


class NoAppointment(PickupError):
    message = _("Your order %(reference)s has no appointment to cancel.")


class AppointmentStarted(PickupError):
    message = _("Your appointment has started: it can no longer be changed or cancelled.")
