"""Deployment checks of the e-mail settings (`manage.py check --deploy`)."""

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
