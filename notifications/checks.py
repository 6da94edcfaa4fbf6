"""Deployment checks of the e-mail settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, register

from .webhook_urls import configured_esp, webhook_secret_set


@register("notifications", deploy=True)
def webhook_secret_with_an_esp(app_configs, **kwargs):
    """An e-mail provider's delivery reports need a webhook secret to be received at all."""
    esp = configured_esp()
    if esp is None or webhook_secret_set():
        return []
    return [
        Error(
            f"EMAIL_BACKEND sends through {esp} but ANYMAIL_WEBHOOK_SECRET is not set.",
            hint=(
                "Set ANYMAIL_WEBHOOK_SECRET=user:long-random-password and give the provider "
                f"https://user:long-random-password@<your host>/anymail/{esp}/tracking/ ; "
                "without it the delivery webhook stays closed (404) and bounces go unseen."
            ),
            id="notifications.E001",
        )
    ]


# Backends that deliver nothing: fine to try the site, never for patrons.
UNDELIVERED = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
)


@register("notifications", deploy=True)
def e_mails_are_delivered(app_configs, **kwargs):
    """Production must say how e-mails leave: the default prints them in the log."""
    if settings.EMAIL_BACKEND not in UNDELIVERED:
        return []
    return [
        Error(
            f"E-mails are not delivered: EMAIL_BACKEND is {settings.EMAIL_BACKEND}.",
            hint=(
                "Set EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.org:587) or "
                "EMAIL_BACKEND with anymail; patrons would otherwise never get an e-mail."
            ),
            id="notifications.E002",
        )
    ]


@register("notifications")
def send_lease_outlasts_the_providers_time_out(app_configs, **kwargs):
    """A lease shorter than a send would have a slow but living worker's e-mail sent twice."""
    lease = settings.NOTIFICATION_SEND_LEASE_SECONDS
    http_time_out = getattr(settings, "ANYMAIL", {}).get("REQUESTS_TIMEOUT", 30)
    if isinstance(http_time_out, (tuple, list)):  # (connect, read)
        http_time_out = sum(float(part) for part in http_time_out)
    provider_time_out = max(float(settings.EMAIL_TIMEOUT or 0), float(http_time_out or 0))
    if lease > provider_time_out:
        return []
    return [
        Error(
            f"NOTIFICATION_SEND_LEASE_SECONDS ({lease}) is not longer than the time a send "
            f"may take ({provider_time_out:g} s).",
            hint="Make it at least twice EMAIL_TIMEOUT (the default is 300 s).",
            id="notifications.E003",
        )
    ]
