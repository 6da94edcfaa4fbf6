from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def default_processing_hours() -> int:
    return settings.DEFAULT_PROCESSING_HOURS


def default_pickup_days() -> int:
    return settings.DEFAULT_PICKUP_DAYS


def latitude_field() -> models.DecimalField:
    return models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )


def longitude_field() -> models.DecimalField:
    return models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )


class BranchQuerySet(models.QuerySet):
    def click_and_collect(self):
        return self.filter(click_and_collect_enabled=True)


class Branch(models.Model):
    """A library of the network where patrons collect their documents."""

    class ProcessingHours(models.IntegerChoices):
        H24 = 24, _("24 hours")
        H48 = 48, _("48 hours")

    code = models.SlugField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Short code used by the library system's exports (e.g. 'vaclav-havel')."),
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    latitude = latitude_field()
    longitude = longitude_field()
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    click_and_collect_enabled = models.BooleanField(
        _("click & collect enabled"),
        default=True,
        help_text=_("Patrons can choose this branch to collect their orders."),
    )
    accepts_phone_orders = models.BooleanField(_("accepts phone orders"), default=False)
    accepts_email_orders = models.BooleanField(_("accepts e-mail orders"), default=False)
    processing_hours = models.PositiveSmallIntegerField(
        _("processing time"),
        choices=ProcessingHours,
        default=default_processing_hours,
        help_text=_("Orders are prepared within this many hours of the branch's open days."),
    )
    pickup_days = models.PositiveSmallIntegerField(
        _("pickup window (open days)"),
        default=default_pickup_days,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("How many open days a ready order waits at the desk."),
    )
    appointments_enabled = models.BooleanField(
        _("pickup by appointment"),
        default=False,
        help_text=_(
            "Patrons choose a time slot to collect a ready order, so that the desk never "
            "sees a crowd."
        ),
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    patrons_per_slot = models.PositiveSmallIntegerField(
        _("patrons per slot"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    objects = BranchQuerySet.as_manager()

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90),
                name="branch_latitude_range",
                violation_error_message=_("The latitude must be between -90 and 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180),
                name="branch_longitude_range",
                violation_error_message=_("The longitude must be between -180 and 180."),
            ),
            models.CheckConstraint(
                condition=Q(processing_hours__in=[24, 48]),
                name="branch_processing_hours_valid",
                violation_error_message=_("The processing time must be 24 or 48 hours."),
            ),
            models.CheckConstraint(
                condition=Q(pickup_days__gte=1),
                name="branch_pickup_days_positive",
                violation_error_message=_("The pickup window must be at least one day."),
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5, slot_minutes__lte=240),
                name="branch_slot_minutes_range",
                violation_error_message=_("A slot lasts from 5 to 240 minutes."),
            ),
            models.CheckConstraint(
                condition=Q(patrons_per_slot__gte=1),
                name="branch_patrons_per_slot_positive",
                violation_error_message=_("A slot takes at least one patron."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """One opening interval of a branch on a weekday (a day may have several)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("branch")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["branch", "weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="opening_hours_weekday_valid",
                violation_error_message=_("The weekday must be between Monday and Sunday."),
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="opening_hours_close_after_open",
                violation_error_message=_("The closing time must be after the opening time."),
            ),
            models.UniqueConstraint(
                fields=["branch", "weekday", "opens_at"],
                name="opening_hours_unique_start",
                violation_error_message=_("This branch already opens at that time on that day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class PickupHours(models.Model):
    """When patrons may come for their orders on a weekday, by appointment.

    A branch with none uses its opening hours.
    """

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="pickup_hours", verbose_name=_("branch")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=OpeningHours.Weekday)
    # In context: "from" and "to" read otherwise elsewhere ("vers" for an e-mail's recipient).
    starts_at = models.TimeField(pgettext_lazy("pickup hours", "from"))
    ends_at = models.TimeField(pgettext_lazy("pickup hours", "to"))

    class Meta:
        verbose_name = _("pickup hours")
        verbose_name_plural = _("pickup hours")
        ordering = ["branch", "weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="pickup_hours_weekday_range",
                violation_error_message=_("Unknown weekday."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="pickup_hours_end_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class Closure(models.Model):
    """Days on which a branch is closed although its weekly hours say open."""

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="closures", verbose_name=_("branch")
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["branch", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="closure_ends_after_start",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
        ]
        indexes = [models.Index(fields=["branch", "ends_on"])]

    def __str__(self) -> str:
        if self.starts_on == self.ends_on:
            return f"{self.starts_on:%Y-%m-%d}"
        return f"{self.starts_on:%Y-%m-%d} → {self.ends_on:%Y-%m-%d}"


class PostcodeArea(models.Model):
    """Where a postcode lies, so that a patron who types theirs finds the nearest branches."""

    postcode = models.CharField(_("postcode"), max_length=10, unique=True)
    label = models.CharField(_("name"), max_length=100, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()

    class Meta:
        verbose_name = _("postcode area")
        verbose_name_plural = _("postcode areas")
        ordering = ["postcode"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180)
                & Q(longitude__lte=180),
                name="postcode_area_coordinates_range",
                violation_error_message=_("The coordinates are out of range."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.postcode} {self.label}".strip()
