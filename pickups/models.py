"""Pickup appointments and arrivals: when a patron comes for a ready order.

A slot's capacity is enforced by the database: ``PickupSlot.booked`` only
grows through a conditional UPDATE (``booked < capacity``), which concurrent
bookings take one after the other, and a CHECK keeps ``booked <= capacity``
whatever the code does. Koha's and Evergreen's curbside modules count, then
insert: a rush can overfill their slots, not these.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PickupSlot(models.Model):
    """A slot of a branch that someone booked once: its capacity and how many hold it."""

    branch = models.ForeignKey(
        "branches.Branch",
        on_delete=models.CASCADE,
        related_name="pickup_slots",
        verbose_name=_("branch"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        verbose_name = _("pickup slot")
        verbose_name_plural = _("pickup slots")
        ordering = ["branch", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "starts_at"], name="pickup_slot_unique"),
            models.CheckConstraint(
                condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")),
                name="pickup_slot_within_capacity",
                violation_error_message=_("This slot is full."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="pickup_slot_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.starts_at:%Y-%m-%d %H:%M}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", pgettext_lazy("appointment status", "booked")
    CANCELLED = "cancelled", pgettext_lazy("appointment status", "cancelled")
    # The patron did not come during the slot: it is freed, the order stays ready.
    MISSED = "missed", pgettext_lazy("appointment status", "missed")
    KEPT = "kept", pgettext_lazy("appointment status", "kept")


class Appointment(models.Model):
    """A patron's choice of a slot to collect an order; at most one booked per order."""

    Status = AppointmentStatus

    reservation = models.ForeignKey(
        "reservations.Reservation",
        on_delete=models.CASCADE,
        related_name="appointments",
        verbose_name=_("order"),
    )
    slot = models.ForeignKey(
        PickupSlot, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("slot")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AppointmentStatus, default=AppointmentStatus.BOOKED
    )
    booked_at = models.DateTimeField(_("booked at"), default=timezone.now, editable=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["slot__starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reservation"],
                condition=Q(status="booked"),
                name="appointment_one_booked_per_order",
                violation_error_message=_("This order already has an appointment."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in AppointmentStatus]),
                name="appointment_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "slot"], name="appointment_status_slot")]

    def __str__(self) -> str:
        return f"{self.reservation} · {self.slot}"


class Arrival(models.Model):
    """A patron at the branch for a ready order ("I'm here"), until handed over."""

    reservation = models.OneToOneField(
        "reservations.Reservation",
        on_delete=models.CASCADE,
        related_name="arrival",
        verbose_name=_("order"),
    )
    arrived_at = models.DateTimeField(_("arrived at"))
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_("Where to find the patron: “blue car”, “at the side door”."),
    )
    seen_at = models.DateTimeField(_("seen by the desk at"), null=True, blank=True)

    class Meta:
        verbose_name = _("arrival")
        verbose_name_plural = _("arrivals")
        ordering = ["arrived_at"]

    def __str__(self) -> str:
        return f"{self.reservation} · {self.arrived_at:%H:%M}"
