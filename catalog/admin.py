from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import DocumentType, Item, Record


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_fr",
        "name_en",
        "reservable_online",
        "loan_days",
        "quarantine_days",
    )
    list_editable = ("reservable_online",)
    search_fields = ("code", "name_fr", "name_en")


# Statuses that only the reservation services may change.
LIFECYCLE_STATUSES = (Item.Status.HELD, Item.Status.ON_LOAN)


class ItemInline(admin.TabularInline):
    model = Item
    fields = ("barcode", "branch", "call_number", "status")
    autocomplete_fields = ("branch",)
    extra = 0
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        # Copies of a record in different states share one form: keep the
        # status for the copy's own page, where a held copy cannot be edited.
        return ("status",)


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ("title", "creators", "year", "document_type", "language", "copy_count")
    list_filter = ("document_type", "language")
    list_select_related = ("document_type",)
    # Exact matches on identifiers keep lookups fast on a million records.
    search_fields = ("=identifier", "=isbn", "=ean", "title", "creators")
    readonly_fields = ("created_at", "updated_at")
    inlines = (ItemInline,)
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("title", "creators", "document_type")}),
        (
            _("Publication"),
            {"fields": (("publisher", "year"), "language", ("isbn", "ean"), "identifier")},
        ),
        (_("Content"), {"fields": ("subjects", "summary")}),
        (_("History"), {"fields": (("created_at", "updated_at"),)}),
    )

    def get_queryset(self, request):
        # A correlated subquery, not a JOIN + GROUP BY: PostgreSQL evaluates it
        # only for the page of rows shown, not for a million records.
        copies = (
            Item.objects.filter(record=OuterRef("pk"))
            .order_by()
            .values("record")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(copy_count=Coalesce(Subquery(copies, output_field=IntegerField()), 0))
        )

    @admin.display(description=_("copies"), ordering="copy_count")
    def copy_count(self, obj: Record) -> int:
        return obj.copy_count

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()  # the models leave every timestamp to who writes
        super().save_model(request, obj, form, change)


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("barcode", "record", "branch", "call_number", "status", "status_changed_at")
    list_filter = ("status", "branch", "record__document_type")
    list_select_related = ("record", "branch")
    search_fields = ("=barcode", "record__title")
    autocomplete_fields = ("record", "branch")
    readonly_fields = ("status_changed_at",)
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # A copy held for an order or on loan changes through the lifecycle
        # (missing copy, return), never by hand: that would break the order.
        if obj is not None and obj.status in LIFECYCLE_STATUSES:
            return (*self.readonly_fields, "status", "branch", "record")
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            obj.status_changed_at = timezone.now()
        super().save_model(request, obj, form, change)


from . import import_admin  # noqa: E402, F401  (registers the import screens)
