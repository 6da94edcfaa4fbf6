"""Pickup slots, appointments and arrivals, shown to network admins to look at, not to edit.

Bookings change only through the services, which keep each slot's count of
places taken right: an appointment added or deleted here would not.
"""

from django.contrib import admin

from reservations.admin_readonly import ReadOnlyModelAdmin as ReadOnlyAdmin

from .models import Appointment, Arrival, PickupSlot


@admin.register(PickupSlot)
class PickupSlotAdmin(ReadOnlyAdmin):
    list_display = ("branch", "starts_at", "ends_at", "booked", "capacity")
    list_filter = (("branch", admin.RelatedOnlyFieldListFilter),)
    date_hierarchy = "starts_at"
    list_select_related = ("branch",)


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("reservation", "slot", "status", "booked_at", "ended_at", "reminded_at")
    list_filter = ("status", ("slot__branch", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reservation__reference",)
    date_hierarchy = "booked_at"
    list_select_related = ("reservation", "slot__branch")


@admin.register(Arrival)
class ArrivalAdmin(ReadOnlyAdmin):
    list_display = ("reservation", "arrived_at", "note", "seen_at")
    search_fields = ("reservation__reference", "note")
    date_hierarchy = "arrived_at"
    list_select_related = ("reservation",)
