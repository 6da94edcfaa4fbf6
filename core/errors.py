"""Errors whose message a patron or a librarian reads."""

from django.utils.translation import gettext_lazy as _


class ReadableError(Exception):
    """An error whose message people read: translated when shown, with its params.

    ``str(error)`` is the message in the active language. Where a rule reads
    differently to a librarian acting for a patron ("this patron" rather than
    "you"), ``staff_message`` says it so and ``error.for_staff()`` returns it.
    """

    message = _("This operation is not possible.")
    # The same rule in a librarian's words, where they differ from the patron's.
    staff_message = None

    def __init__(self, message=None, **params):
        self.params = params
        if message is not None:
            self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return self._text(self.message)

    def for_staff(self) -> str:
        """Return the message for a librarian acting for the patron."""
        return self._text(self.staff_message if self.staff_message is not None else self.message)

    def _text(self, message) -> str:
        # The lazy message, not its text: ngettext_lazy picks its plural from the params.
        return str(message % self.params) if self.params else str(message)
