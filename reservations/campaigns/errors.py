"""What a campaign refuses, in words the network admin reads."""

from django.utils.translation import gettext_lazy as _

from core.errors import ReadableError


class CampaignError(ReadableError):
    """A campaign cannot do what was asked; nothing was changed."""

    message = _("This campaign cannot do that.")


class InvalidShift(CampaignError):
    message = _("The extension must be a positive number of weeks or months.")


class NothingSelected(CampaignError):
    message = _("Campaign “%(name)s” selects nothing: there is nothing to extend.")


class AlreadyStarted(CampaignError):
    message = _("Campaign “%(name)s” is %(status)s: it cannot be started again.")


class AnotherCampaignRunning(CampaignError):
    message = _("Another campaign on %(kind)s is running: wait for it to finish.")


class NotRunnable(CampaignError):
    message = _("Campaign “%(name)s” is %(status)s: it cannot be run.")


class NotUndoable(CampaignError):
    message = _("Campaign “%(name)s” is %(status)s: it cannot be undone.")
