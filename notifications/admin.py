from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Notification


class NotificationInline(GenericTabularInline):
    """The e-mails about an object (an order...), read-only, for that object's admin page."""

    model = Notification
    ct_field = "about_type"
    ct_fk_field = "about_id"
    fields = ("kind", "address", "status", "attempts", "created_at", "sent_at", "last_error")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ("created_at",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("kind", "address", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind", "language")
    search_fields = ("address", "dedup_key", "provider_message_id")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    actions = ["send_again"]
    fieldsets = (
        (None, {"fields": ("kind", "recipient", "address", "language", "dedup_key")}),
        (
            _("Delivery"),
            {
                "fields": (
                    "status",
                    "attempts",
                    "lease_expires_at",
                    "last_error",
                    "provider_message_id",
                )
            },
        ),
        (_("Dates"), {"fields": ("created_at", "sent_at", "updated_at")}),
        (_("Message"), {"fields": ("subject", "body_text", "body_html")}),
        (_("About"), {"fields": ("about_type", "about_id")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # The outbox is a record of what was sent: nobody edits it by hand.
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again (failed notifications)"), permissions=["change"])
    def send_again(self, request, queryset):
        queued = services.send_again(notifications=queryset)
        skipped = queryset.count() - queued
        if queued:
            self.message_user(
                request,
                ngettext(
                    "%(count)d notification queued to be sent again.",
                    "%(count)d notifications queued to be sent again.",
                    queued,
                )
                % {"count": queued},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d notification skipped: only failed notifications with an "
                    "e-mail address are sent again.",
                    "%(count)d notifications skipped: only failed notifications with an "
                    "e-mail address are sent again.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
