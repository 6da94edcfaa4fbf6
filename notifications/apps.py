from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Connect the receivers of anymail's delivery tracking webhooks; register the checks.
        from . import checks, webhooks  # noqa: F401
