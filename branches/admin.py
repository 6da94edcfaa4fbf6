from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Branch, Closure, OpeningHours, PickupHours, PostcodeArea


class NoOverlapFormSet(forms.BaseInlineFormSet):
    """Refuse intervals of one weekday that overlap, which no calendar could read."""

    start_field = "opens_at"
    end_field = "closes_at"
    overlap_message = _("The opening hours of %(day)s overlap.")

    def clean(self):
        super().clean()
        keys = ("weekday", self.start_field, self.end_field)
        intervals: dict[int, list[tuple]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not all(data.get(key) is not None for key in keys):
                continue
            intervals.setdefault(data["weekday"], []).append(
                (data[self.start_field], data[self.end_field])
            )
        for weekday, day_intervals in intervals.items():
            day_intervals.sort()
            for (_opens, closes), (next_opens, _closes) in zip(
                day_intervals, day_intervals[1:], strict=False
            ):
                if next_opens < closes:
                    raise ValidationError(
                        self.overlap_message,
                        params={"day": OpeningHours.Weekday(weekday).label},
                        code="overlap",
                    )


class OpeningHoursFormSet(NoOverlapFormSet):
    pass


class PickupHoursFormSet(NoOverlapFormSet):
    start_field = "starts_at"
    end_field = "ends_at"
    overlap_message = _("The pickup hours of %(day)s overlap.")


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0
    # Librarians write "10:00", not "10:00:00".
    formfield_overrides = {
        models.TimeField: {"widget": widgets.AdminTimeWidget(format="%H:%M")},
    }


class PickupHoursInline(admin.TabularInline):
    """When patrons come by appointment; none means the opening hours."""

    model = PickupHours
    formset = PickupHoursFormSet
    extra = 0
    formfield_overrides = OpeningHoursInline.formfield_overrides


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0
    ordering = ("-starts_on",)


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "postcode",
        "click_and_collect_enabled",
        "accepts_phone_orders",
        "accepts_email_orders",
        "processing_hours",
        "pickup_days",
        "appointments_enabled",
    )
    list_editable = ("click_and_collect_enabled",)
    list_filter = (
        "click_and_collect_enabled",
        "accepts_phone_orders",
        "accepts_email_orders",
        "processing_hours",
        "appointments_enabled",
        "city",
    )
    search_fields = ("name", "code", "postcode", "address")
    prepopulated_fields = {"code": ("name",)}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = (OpeningHoursInline, ClosureInline, PickupHoursInline)
    fieldsets = (
        (None, {"fields": ("name", "code")}),
        (
            _("Address"),
            {"fields": ("address", ("postcode", "city"), ("latitude", "longitude"))},
        ),
        (_("Contact"), {"fields": (("phone", "email"), "website")}),
        (
            _("Click & collect"),
            {
                "fields": (
                    "click_and_collect_enabled",
                    ("accepts_phone_orders", "accepts_email_orders"),
                    ("processing_hours", "pickup_days"),
                )
            },
        ),
        (
            _("Pickup appointments"),
            {
                "fields": ("appointments_enabled", ("slot_minutes", "patrons_per_slot")),
                "description": _(
                    "Pickup hours below say when patrons may come by appointment; without "
                    "them, the opening hours do."
                ),
            },
        ),
    )


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("branch", "starts_on", "ends_on", "reason")
    list_filter = (("branch", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("branch__name", "reason")
    date_hierarchy = "starts_on"
    autocomplete_fields = ("branch",)
    list_select_related = ("branch",)


@admin.register(PostcodeArea)
class PostcodeAreaAdmin(admin.ModelAdmin):
    list_display = ("postcode", "label", "latitude", "longitude")
    search_fields = ("postcode", "label")
