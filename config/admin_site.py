"""The admin site: for the network's administrators only.

Librarians and desk agents work in /staff/, where every page shows only their
branches. The admin's screens are not filtered by branch, so the admin lets in
only the staff who act on every branch (the network admin group) and
superusers; anyone else signed in is shown the admin's own "not authorized"
sign-in page. With ``ADMIN_TWO_FACTOR``, they also give a code from their
authenticator app (accounts/two_factor.py), setting one up on the first visit.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse


class NetworkAdminSite(admin.AdminSite):
    def may_enter(self, request) -> bool:
        """Whether the signed-in user is one the admin is for, code or not."""
        # Imported here: this module is loaded with the settings, before the models.
        from staff.access import ALL_BRANCHES

        return super().has_permission(request) and request.user.has_perm(ALL_BRANCHES)

    def has_permission(self, request) -> bool:
        return self.may_enter(request) and (
            not settings.ADMIN_TWO_FACTOR or request.user.is_verified()
        )

    def login(self, request, extra_context=None):
        from accounts.two_factor import ask_for_the_code
        from accounts.views import limit_sign_ins

        if self.may_enter(request) and not self.has_permission(request):
            # Signed in with the password (here or on the site's form): now the code, then
            # the admin page that was asked for (checked for safety by the code's page).
            return ask_for_the_code(request, then=request.GET.get("next") or reverse("admin:index"))
        # The same limit per address as the site's sign-in form (django-axes locks the card).
        return limit_sign_ins(super().login)(request, extra_context)


class NetworkAdminConfig(AdminConfig):
    default_site = "config.admin_site.NetworkAdminSite"
