"""The admin site: for the network's administrators only.

Librarians and desk agents work in /staff/, where every page shows only their
branches. The admin's screens are not filtered by branch, so the admin lets in
only the staff who act on every branch (the network admin group) and
superusers; anyone else signed in is shown the admin's own "not authorized"
sign-in page.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class NetworkAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        # Imported here: this module is loaded with the settings, before the models.
        from reservations.staff.access import ALL_BRANCHES

        return super().has_permission(request) and request.user.has_perm(ALL_BRANCHES)

    def login(self, request, extra_context=None):
        # The same limit per address as the site's sign-in form (django-axes locks the card).
        from accounts.views import limit_sign_ins

        return limit_sign_ins(super().login)(request, extra_context)


class NetworkAdminConfig(AdminConfig):
    default_site = "config.admin_site.NetworkAdminSite"
