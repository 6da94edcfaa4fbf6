"""E-mail: addresses from the account, templates in `emails/<kind>/`, sent by Django's backend.

Each kind has a folder `emails/<kind>/` with `subject.txt`, `body.txt` and,
optionally, `body.html`. Bodies usually extend `emails/base.txt` and
`emails/base.html`. Plain-text templates are rendered without HTML escaping.
Sending goes through the configured backend (SMTP, or an ESP through anymail).
"""

import uuid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation

from ..webhook_urls import configured_esp
from . import Rendered


class EmailChannel:
    missing_address = "no e-mail address"

    def address_of(self, recipient) -> str:
        return recipient.email or ""

    def render(self, *, kind: str, language: str, context: dict) -> Rendered:
        """Render the e-mail of `kind` in `language`; no HTML body when the kind has no template."""
        with translation.override(language):
            subject = " ".join(render_text(f"emails/{kind}/subject.txt", context).split())
            body_text = render_text(f"emails/{kind}/body.txt", context).strip() + "\n"
            try:
                body_html = get_template(f"emails/{kind}/body.html").render(context)
            except TemplateDoesNotExist:
                body_html = ""
        return Rendered(subject=subject, body_text=body_text, body_html=body_html.strip())

    def send(self, notification) -> str:
        """Send the stored e-mail with the configured backend; return the provider's id or ''."""
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
        headers = {
            # A stable Message-ID: should the same e-mail go out twice (a worker
            # lost after the provider accepted it), mail services and clients
            # that deduplicate by Message-ID show it once.
            "Message-ID": f"<notification-{notification.pk}@{domain}>",
            **idempotency_headers(notification, domain=domain),
        }
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.address],
            headers=headers,
        )
        if notification.body_html:
            message.attach_alternative(notification.body_html, "text/html")
        message.send(fail_silently=False)
        # anymail's backends report the ESP's id of the message (webhooks quote it).
        message_id = getattr(getattr(message, "anymail_status", None), "message_id", None)
        return "" if message_id is None else str(message_id)


def idempotency_headers(notification, *, domain: str) -> dict[str, str]:
    """The provider's own guard against a second send of one notification, where it has one.

    Brevo drops a request whose ``idempotencyKey`` (a UUID) it has seen in the
    last 15 minutes, longer than a lease plus the sweeper's round. The key is
    the same for every attempt at one notification. Other providers reached
    through anymail take their idempotency key as an HTTP header, which anymail
    does not let us set; they rely on the Message-ID.
    """
    if configured_esp() != "brevo":
        return {}
    site = getattr(settings, "SITE_URL", domain)
    key = uuid.uuid5(
        uuid.NAMESPACE_URL, f"{site}/notifications/{notification.pk}/{notification.dedup_key}"
    )
    return {"idempotencyKey": str(key)}


def render_text(template_name: str, context: dict) -> str:
    # Plain text must not be HTML-escaped ("Click & collect", "L'Heure joyeuse"):
    # render the Django template itself with autoescape off.
    template = get_template(template_name)
    return template.template.render(Context(context, autoescape=False))
