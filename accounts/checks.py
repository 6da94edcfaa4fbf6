"""Deployment checks of staff sign-in (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Warning, register


@register("accounts", deploy=True)
def admin_asks_for_a_second_factor(app_configs, **kwargs):
    """The admin shows every branch's patrons: a password alone should not open it."""
    if settings.ADMIN_TWO_FACTOR:
        return []
    return [
        Warning(
            "ADMIN_TWO_FACTOR is off: a stolen or guessed password opens the admin, "
            "with every patron's name, address and card.",
            hint="Leave ADMIN_TWO_FACTOR unset (on) in production.",
            id="accounts.W001",
        )
    ]
