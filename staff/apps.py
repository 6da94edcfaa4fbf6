from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """The staff area under /staff/: pages that span orders, pickups and the catalogue."""

    name = "staff"
    verbose_name = _("Staff area")
