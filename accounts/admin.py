from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuthenticatorApp, User


class MembershipFilter(admin.SimpleListFilter):
    title = _("membership")
    parameter_name = "membership"

    def lookups(self, request, model_admin):
        return [("valid", _("valid")), ("expired", _("expired")), ("none", _("none (staff)"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "valid":
            return queryset.filter(membership_expires_on__gte=today)
        if self.value() == "expired":
            return queryset.filter(membership_expires_on__lt=today)
        if self.value() == "none":
            return queryset.filter(membership_expires_on__isnull=True)
        return queryset


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("card_number",)


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = (
        "card_number",
        "last_name",
        "first_name",
        "email",
        "home_branch",
        "membership_expires_on",
        "has_valid_membership",
        "is_staff",
    )
    list_filter = (
        MembershipFilter,
        "is_staff",
        "is_superuser",
        "is_active",
        "groups",
        "preferred_language",
        ("home_branch", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("home_branch",)
    search_fields = ("=card_number", "last_name", "first_name", "email")
    ordering = ("last_name", "first_name", "card_number")
    autocomplete_fields = ("home_branch",)
    filter_horizontal = ("branches", "groups", "user_permissions")
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("card_number", "password")}),
        (
            _("Patron"),
            {
                "fields": (
                    ("first_name", "last_name"),
                    ("email", "phone"),
                    "membership_expires_on",
                    "home_branch",
                    "preferred_language",
                )
            },
        ),
        (
            _("Staff"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "branches", "groups"),
                "classes": ("collapse",),
            },
        ),
        (
            _("Permissions"),
            {"fields": ("user_permissions",), "classes": ("collapse",)},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "card_number",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    # What makes a user more powerful than a network admin: superusers' business only.
    SUPERUSERS_ONLY = ("is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, *self.SUPERUSERS_ONLY)

    @staticmethod
    def _above(request, obj) -> bool:
        """Tell whether obj is a superuser and the one asking is not."""
        return obj is not None and obj.is_superuser and not request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        # A superuser's account (its password included) is changed by superusers only.
        return not self._above(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._above(request, obj) and super().has_delete_permission(request, obj)

    # Deleting a user is erasing them (config/erasure.py): their orders and loans stay, for
    # the figures, without them. Django's page would list those as "protected" and refuse.
    def get_deleted_objects(self, objs, request):
        from config.erasure import reasons_to_wait  # above the apps: it touches all of them

        to_delete, model_count, _perms_needed, _protected = super().get_deleted_objects(
            objs, request
        )
        waiting = [f"{user}: {reason}" for user in objs for reason in reasons_to_wait(user)]
        # The erasure, not the admin's own cascade, decides what goes: the one permission
        # needed is deleting each of these users (a superuser, by superusers only).
        refused = any(not self.has_delete_permission(request, user) for user in objs)
        perms_needed = {str(User._meta.verbose_name)} if refused else set()
        return to_delete, model_count, perms_needed, waiting

    def delete_model(self, request, obj):
        from config.erasure import erase_patron

        erase_patron(obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self.delete_model(request, user)

    @admin.display(boolean=True, description=_("membership valid"))
    def has_valid_membership(self, obj: User) -> bool:
        return obj.has_valid_membership()


# django-otp's own admin shows each app's key and QR code: whoever sees it could make codes.
admin.site.unregister(TOTPDevice)


@admin.register(AuthenticatorApp)
class AuthenticatorAppAdmin(admin.ModelAdmin):
    """Who has set up two-step verification; removing an app lets its owner set up a new phone.

    Whoever may change users may remove one (a lost phone); keys are never shown.
    """

    list_display = ("user", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    search_fields = ("=user__card_number", "user__last_name")
    fields = ("user", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def get_queryset(self, request):
        apps = super().get_queryset(request)
        if request.user.is_superuser:
            return apps
        return apps.filter(user__is_superuser=False)

    def has_add_permission(self, request):
        return False  # each member of staff sets up their own, with their phone

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("accounts.change_user")

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("accounts.change_user")
