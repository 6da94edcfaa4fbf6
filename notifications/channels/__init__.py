"""The channels a notification goes out on, each with one sender.

A sender knows a recipient's address on its channel, renders a kind's
templates for it and hands a stored notification to its provider. The outbox
(notifications/services.py) does the rest the same way for every channel:
one row per event, claimed, sent at least once, retried, swept, forgotten.

E-mail is the only channel built (`email.EmailChannel`, templates in
`emails/<kind>/`). Adding one, say SMS, takes a sender class beside it, a
template per kind in its own folder (`sms/<kind>/body.txt`) and its entry in
the NOTIFICATION_CHANNELS setting; callers then pass `channel="sms"` to
`queue_notification`.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from ..models import Notification

EMAIL = "email"


@dataclass(frozen=True)
class Rendered:
    """A notification's words, in the recipient's language."""

    subject: str
    body_text: str
    body_html: str = ""


class Sender(Protocol):
    # The row's last_error when the recipient has no address on this channel.
    missing_address: str

    def address_of(self, recipient) -> str:
        """Return the recipient's address on this channel, or '' when they have none."""

    def render(self, *, kind: str, language: str, context: dict) -> Rendered:
        """Render the kind's templates for this channel in `language`."""

    def send(self, notification: "Notification") -> str:
        """Send the stored notification; return the provider's id of it, or ''."""


def sender(channel: str) -> Sender:
    """Return the sender of a channel named in NOTIFICATION_CHANNELS."""
    return import_string(settings.NOTIFICATION_CHANNELS[channel])()


def channel_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in settings.NOTIFICATION_CHANNELS]
