from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Sessions start counting idle time at sign-in.
        # ...and whether to ask for a two-step code; the deployment checks.
        from . import checks, roles, sessions, two_factor  # noqa: F401

        # The staff groups and their permissions, after every migrate (accounts/roles.py).
        roles.connect(self)
