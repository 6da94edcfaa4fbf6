"""Admin screens: read-only views of orders, loans and the audit trail.

State changes go through reservations.services (the staff pages and the
actions here), never through editing a row, so the rules and the audit trail
always hold.
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.admin import NotificationInline

from . import campaign_admin  # noqa: F401 - registers the campaign screens
from .admin_readonly import ReadOnlyModelAdmin
from .models import AuditEntry, Loan, Reservation, ReservationLine


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReservationLineInline(ReadOnlyInline):
    model = ReservationLine
    fields = ("record", "item", "status")
    readonly_fields = fields


class AuditEntryInline(ReadOnlyInline):
    model = AuditEntry
    fields = ("at", "actor", "action", "item", "from_status", "to_status", "detail")
    readonly_fields = fields
    verbose_name_plural = _("audit trail")


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [
            ("processing", _("preparation overdue")),
            ("pickup", _("pickup deadline passed")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "processing":
            return queryset.filter(
                status__in=[Reservation.Status.SUBMITTED, Reservation.Status.PREPARING],
                processing_deadline__lt=now,
            )
        if self.value() == "pickup":
            return queryset.filter(status=Reservation.Status.READY, pickup_deadline__lt=now)
        return queryset


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "patron",
        "branch",
        "status",
        "channel",
        "submitted_at",
        "processing_deadline",
        "pickup_deadline",
    )
    list_filter = ("status", OverdueFilter, "channel", "branch")
    list_select_related = ("patron", "branch")
    search_fields = ("=reference", "=patron__card_number", "patron__last_name")
    date_hierarchy = "submitted_at"
    show_full_result_count = False
    inlines = (ReservationLineInline, AuditEntryInline, NotificationInline)
    fields = (
        ("reference", "status", "channel"),
        ("patron", "branch"),
        ("created_by", "prepared_by"),
        ("submitted_at", "processing_deadline"),
        ("preparing_at", "ready_at"),
        ("pickup_deadline", "reminder_due_at"),
        ("collected_at", "expired_at"),
        ("cancelled_at", "cancel_reason"),
    )

    def get_readonly_fields(self, request, obj=None):
        return [name for row in self.fields for name in row]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = ("item", "patron", "out_at", "due_on", "returned_at")
    list_filter = (("returned_at", admin.EmptyFieldListFilter), "item__branch")
    list_select_related = ("item__record", "patron")
    search_fields = ("=item__barcode", "=patron__card_number", "patron__last_name")
    date_hierarchy = "due_on"
    show_full_result_count = False
    readonly_fields = ("item", "patron", "line", "out_at", "due_on", "returned_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("at", "actor", "action", "reservation", "item", "from_status", "to_status")
    list_filter = ("action",)
    list_select_related = ("actor", "reservation", "item")
    search_fields = ("=reservation__reference", "=item__barcode", "=actor__card_number")
    date_hierarchy = "at"
    show_full_result_count = False
