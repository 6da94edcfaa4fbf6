"""A second channel built as notifications/channels/ says: a sender, a template per kind, a setting.

Its provider is a list (the outer edge): what a real SMS gateway would receive.
"""

from django.template.loader import render_to_string
from django.utils import translation

from notifications.channels import Rendered


class TextMessages:
    sent: list[tuple[str, str]] = []
    missing_address = "no mobile number"

    def address_of(self, recipient) -> str:
        return recipient.phone

    def render(self, *, kind: str, language: str, context: dict) -> Rendered:
        with translation.override(language):
            body = render_to_string(f"sms/{kind}/body.txt", context).strip()
        return Rendered(subject="", body_text=body)

    def send(self, notification) -> str:
        type(self).sent.append((notification.address, notification.body_text))
        return f"sms-{notification.pk}"
