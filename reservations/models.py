"""The models of orders, their lines, loans, campaigns and the audit trail.

Longer than most modules, because Django's migrations and the database
constraints tie these models together (a line's copy, a loan's line, a
campaign's changes): each model is short, and splitting them would only
spread one schema over several files.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Crockford-like alphabet without look-alikes (0/O, 1/I/L), easy to read over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """Return a short public order reference such as CC-7K3Q9."""
    return "CC-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(5))


class ReservationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    PREPARING = "preparing", _("being prepared")
    READY = "ready", _("ready for pickup")
    COLLECTED = "collected", _("collected")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("expired")


# Orders the librarians still have to prepare: their queue.
OPEN_STATUSES = (ReservationStatus.SUBMITTED, ReservationStatus.PREPARING)
# Orders that still hold copies and count towards the patron's cap.
ACTIVE_STATUSES = (
    ReservationStatus.SUBMITTED,
    ReservationStatus.PREPARING,
    ReservationStatus.READY,
)


class Channel(models.TextChoices):
    WEB = "web", _("web")
    PHONE = "phone", _("phone")
    EMAIL = "email", _("e-mail")


class ReservationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)


class Reservation(models.Model):
    """An order: documents a patron will collect at one branch."""

    Status = ReservationStatus

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_reference, editable=False
    )
    # Empty once the order is closed and its retention is over, or its patron erased
    # (reservations/retention.py, config/erasure.py): it still counts in the figures.
    patron = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("patron"),
    )
    branch = models.ForeignKey(
        "branches.Branch",
        on_delete=models.PROTECT,
        related_name="reservations",
        verbose_name=_("pickup branch"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel, default=Channel.WEB)
    # The checkout form's one-time key: the same form sent twice (a double click, a
    # retried request) gives back the order it placed the first time.
    submission_key = models.CharField(max_length=64, blank=True, default="", editable=False)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ReservationStatus,
        default=ReservationStatus.SUBMITTED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
        help_text=_("The member of staff who took a phone or e-mail order."),
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    processing_deadline = models.DateTimeField(_("to prepare by"))
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    preparing_at = models.DateTimeField(_("preparation started at"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    pickup_deadline = models.DateTimeField(_("to collect by"), null=True, blank=True)
    reminder_due_at = models.DateTimeField(
        _("reminder due at"),
        null=True,
        blank=True,
        help_text=_("When to remind the patron: two open days before the pickup deadline."),
    )
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-submitted_at"]
        # What the staff groups may do (granted by the groups' data migration).
        permissions = [
            ("prepare_reservation", _("Can work the queue and prepare orders")),
            ("hand_over_reservation", _("Can hand over orders and take returns at the desk")),
            ("take_remote_order", _("Can take orders by phone or e-mail")),
            ("view_staff_dashboard", _("Can see the staff dashboard")),
            ("act_on_all_branches", _("Can act on the orders of every branch")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReservationStatus.values), name="reservation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="reservation_channel_valid"
            ),
            models.UniqueConstraint(
                fields=["patron", "submission_key"],
                condition=~Q(submission_key=""),
                name="reservation_one_order_per_submission",
            ),
            # Only a closed order may have lost its patron: whoever acts on an open one has one.
            models.CheckConstraint(
                condition=Q(patron__isnull=False) | ~Q(status__in=ACTIVE_STATUSES),
                name="reservation_open_has_patron",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready")
                | Q(ready_at__isnull=False, pickup_deadline__isnull=False),
                name="reservation_ready_has_pickup_deadline",
            ),
        ]
        indexes = [
            # The librarians' queue: a branch's open orders, oldest deadline first.
            models.Index(
                fields=["branch", "status", "processing_deadline"], name="reservation_queue"
            ),
            # The network-wide queue (network admins): open orders by deadline, no branch.
            models.Index(
                fields=["processing_deadline"],
                condition=Q(status__in=["submitted", "preparing"]),
                name="reservation_open_deadline",
            ),
            models.Index(fields=["patron", "status"], name="reservation_patron_status"),
            models.Index(fields=["status", "pickup_deadline"], name="reservation_pickup"),
            models.Index(fields=["status", "reminder_due_at"], name="reservation_reminder"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class LineStatus(models.TextChoices):
    ALLOCATED = "allocated", _("to pull from the shelf")
    PICKED = "picked", _("pulled")
    # In context: a copy's "unavailable" (catalog) is another French word.
    UNAVAILABLE = "unavailable", pgettext_lazy("reservation line status", "unavailable")
    COLLECTED = "collected", _("handed over")
    RELEASED = "released", _("back on the shelf")


# Lines that hold their copy.
HOLDING_LINE_STATUSES = (LineStatus.ALLOCATED, LineStatus.PICKED)


class ReservationLine(models.Model):
    """One document of an order and the copy set aside for it."""

    Status = LineStatus

    reservation = models.ForeignKey(
        Reservation, on_delete=models.CASCADE, related_name="lines", verbose_name=_("reservation")
    )
    record = models.ForeignKey(
        "catalog.Record", on_delete=models.PROTECT, related_name="+", verbose_name=_("record")
    )
    item = models.ForeignKey(
        "catalog.Item",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservation_lines",
        verbose_name=_("copy"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=LineStatus, default=LineStatus.ALLOCATED
    )

    class Meta:
        verbose_name = _("reservation line")
        verbose_name_plural = _("reservation lines")
        ordering = ["reservation", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=LineStatus.values), name="reservation_line_status_valid"
            ),
            # Even a bug elsewhere cannot set one copy aside for two orders.
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=HOLDING_LINE_STATUSES),
                name="reservation_line_one_holding_line_per_item",
            ),
            models.UniqueConstraint(
                fields=["reservation", "record"], name="reservation_line_record_once_per_order"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=HOLDING_LINE_STATUSES) | Q(item__isnull=False),
                name="reservation_line_holding_has_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reservation} · {self.record}"


class Loan(models.Model):
    """A copy lent to a patron, from the desk hand-over to its return."""

    item = models.ForeignKey(
        "catalog.Item", on_delete=models.PROTECT, related_name="loans", verbose_name=_("copy")
    )
    patron = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        # None once returned long enough ago (reservations/retention.py).
        null=True,
        blank=True,
        related_name="loans",
        verbose_name=_("patron"),
        db_index=False,  # the index loan_patron_current leads with the patron
    )
    line = models.OneToOneField(
        ReservationLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loan",
        verbose_name=_("reservation line"),
    )
    out_at = models.DateTimeField(_("lent at"))
    due_on = models.DateField(_("due on"))
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-out_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(returned_at__isnull=True),
                name="loan_one_open_loan_per_item",
            ),
        ]
        indexes = [
            models.Index(fields=["patron", "returned_at"], name="loan_patron_current"),
            models.Index(fields=["due_on"], name="loan_due_on"),
        ]

    def __str__(self) -> str:
        return f"{self.item} → {self.patron}"


class AuditAction(models.TextChoices):
    # An order and its copies (reservations.services).
    SUBMITTED = "submitted", _("order submitted")
    HELD = "held", _("copy set aside")
    PREPARING = "preparing", _("preparation started")
    PICKED = "picked", _("copy pulled from the shelf")
    MISSING = "missing", _("copy missing from the shelf")
    SWAPPED = "swapped", _("another copy set aside")
    LINE_UNAVAILABLE = "line_unavailable", _("document unavailable")
    READY = "ready", _("order ready")
    COLLECTED = "collected", _("order collected")
    LENT = "lent", _("copy lent")
    RELEASED = "released", _("copy back on the shelf")
    CANCELLED = "cancelled", _("order cancelled")
    EXPIRED = "expired", _("order expired")
    REMINDED = "reminded", _("patron reminded")
    RETURNED = "returned", _("copy returned")
    QUARANTINE_ENDED = "quarantine_ended", _("quarantine ended")
    # Extension campaigns (reservations.campaigns).
    CAMPAIGN_STARTED = "campaign_started", _("campaign started")
    CAMPAIGN_DONE = "campaign_done", _("campaign done")
    CAMPAIGN_FAILED = "campaign_failed", _("campaign failed")
    CAMPAIGN_UNDONE = "campaign_undone", _("campaign undone")
    # Pickups (pickups.services, staff.board_services).
    APPOINTMENT_BOOKED = "appointment_booked", _("pickup time booked")
    APPOINTMENT_CANCELLED = "appointment_cancelled", _("pickup time cancelled")
    PATRON_ARRIVED = "patron_arrived", _("patron arrived")
    ARRIVAL_SEEN = "arrival_seen", _("arrival seen at the desk")


class AuditEntry(models.Model):
    """One change of an order, a line or a copy: who, when, what, from which status to which."""

    at = models.DateTimeField(_("at"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    reservation = models.ForeignKey(
        Reservation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("reservation"),
    )
    item = models.ForeignKey(
        "catalog.Item",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("copy"),
    )
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


# Extension campaigns ---------------------------------------------------------------------------


class CampaignKind(models.TextChoices):
    LOANS = "loans", _("loans")
    MEMBERSHIPS = "memberships", _("memberships")


class ShiftUnit(models.TextChoices):
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    UNDOING = "undoing", _("being undone")
    UNDONE = "undone", _("undone")
    FAILED = "failed", _("failed")


# A campaign in one of these states is changing dates: one at a time per kind.
ACTIVE_CAMPAIGN_STATUSES = [CampaignStatus.RUNNING, CampaignStatus.UNDOING]


class ExtensionCampaign(models.Model):
    """A network-wide measure: push back the due date of loans or the end of memberships."""

    Kind = CampaignKind
    Unit = ShiftUnit
    Status = CampaignStatus

    kind = models.CharField(_("kind"), max_length=12, choices=CampaignKind)
    name = models.CharField(_("name"), max_length=120)
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Shown to the patrons whose dates are extended.")
    )
    due_from = models.DateField(
        _("loans due from"),
        null=True,
        blank=True,
        help_text=_("Leave both loan dates empty to extend every current loan."),
    )
    due_to = models.DateField(_("loans due until"), null=True, blank=True)
    ended_on_or_after = models.DateField(
        _("memberships ended on or after"),
        null=True,
        blank=True,
        help_text=_("Memberships that ended on this day or later, and before today."),
    )
    shift_amount = models.IntegerField(_("extend by"))
    shift_unit = models.CharField(_("unit"), max_length=8, choices=ShiftUnit)
    notify_patrons = models.BooleanField(_("notify patrons"), default=True)
    status = models.CharField(
        _("status"), max_length=8, choices=CampaignStatus, default=CampaignStatus.DRAFT
    )
    rows_total = models.PositiveIntegerField(_("rows to change"), default=0)
    rows_done = models.PositiveIntegerField(_("rows changed"), default=0)
    last_key = models.BigIntegerField(
        _("last key"),
        default=0,
        editable=False,
        help_text=_("Primary key of the last row handled: a resumed run starts after it."),
    )
    max_key = models.BigIntegerField(
        _("largest key selected"),
        default=0,
        editable=False,
        help_text=_("Rows made after the start (a loan lent meanwhile) are not the campaign's."),
    )
    rows_undone = models.PositiveIntegerField(_("rows restored"), default=0)
    undo_last_key = models.BigIntegerField(
        _("last change undone"),
        default=0,
        editable=False,
        help_text=_("Primary key of the last change undone: a resumed undo starts after it."),
    )
    notifications_queued = models.PositiveIntegerField(_("e-mails queued"), default=0)
    notify_last_key = models.BigIntegerField(
        _("last patron notified"),
        default=0,
        editable=False,
        help_text=_("Primary key of the last patron notified: resumed notifying starts after it."),
    )
    notified_at = models.DateTimeField(_("patrons notified at"), null=True, blank=True)
    progressed_at = models.DateTimeField(
        _("last progress at"),
        null=True,
        blank=True,
        help_text=_("When a batch last committed: an idle campaign is resumed by the sweeper."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension campaign")
        verbose_name_plural = _("extension campaigns")
        ordering = ["-created_at"]
        permissions = [
            ("run_extensioncampaign", _("Can start, resume and undo extension campaigns")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(shift_amount__gt=0), name="extension_campaign_shift_positive"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CampaignKind.values), name="extension_campaign_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(shift_unit__in=ShiftUnit.values), name="extension_campaign_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values),
                name="extension_campaign_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(due_from__isnull=True)
                | Q(due_to__isnull=True)
                | Q(due_from__lte=models.F("due_to")),
                name="extension_campaign_due_range_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(kind=CampaignKind.MEMBERSHIPS) | Q(ended_on_or_after__isnull=False),
                name="extension_campaign_memberships_have_date",
            ),
            # Two campaigns of one kind running (or one running, one being undone)
            # together could extend a loan twice or undo another's extension.
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(status__in=ACTIVE_CAMPAIGN_STATUSES),
                name="extension_campaign_one_running_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):

        errors = {}
        if self.shift_amount is not None and self.shift_amount <= 0:
            errors["shift_amount"] = _("The extension must be at least 1.")
        if self.due_from and self.due_to and self.due_from > self.due_to:
            errors["due_to"] = _("The end of the range comes before its start.")
        if self.kind == CampaignKind.MEMBERSHIPS and not self.ended_on_or_after:
            errors["ended_on_or_after"] = _("Choose from which end date memberships are extended.")
        if self.kind == CampaignKind.MEMBERSHIPS and (self.due_from or self.due_to):
            errors["due_from"] = _("Loan due dates select loans: leave them empty for memberships.")
        if self.kind == CampaignKind.LOANS and self.ended_on_or_after:
            errors["ended_on_or_after"] = _(
                "This date selects memberships: leave it empty for a loans campaign."
            )
        if errors:
            raise ValidationError(errors)


class ExtensionChange(models.Model):
    """One loan or membership changed by a campaign, with its dates before and after (undo)."""

    # A campaign writes a million of these rows in a minute, so each costs as little
    # as it can. No index of their own on the three keys: the two unique indexes
    # below lead with the row and serve the lookups by loan or patron, the primary
    # key the undo's batches. No foreign key constraint in the database either: its
    # per-row check at commit was a quarter of a batch's time. The rows are written
    # only by the batches, for rows they have just locked, and Django still deletes
    # them with their campaign, loan or patron (on_delete runs in the ORM).
    campaign = models.ForeignKey(
        ExtensionCampaign,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("campaign"),
        db_index=False,
        db_constraint=False,
    )
    loan = models.ForeignKey(
        Loan,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="extension_changes",
        verbose_name=_("loan"),
        db_index=False,
        db_constraint=False,
    )
    patron = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="membership_extensions",
        verbose_name=_("patron"),
        db_index=False,
        db_constraint=False,
    )
    old_date = models.DateField(_("old date"))
    new_date = models.DateField(_("new date"))

    class Meta:
        verbose_name = _("extension change")
        verbose_name_plural = _("extension changes")
        ordering = ["pk"]
        constraints = [
            # A row is changed at most once per campaign: what makes re-runs idempotent.
            models.UniqueConstraint(
                fields=["loan", "campaign"],
                condition=Q(loan__isnull=False),
                name="extension_change_loan_once_per_campaign",
            ),
            models.UniqueConstraint(
                fields=["patron", "campaign"],
                condition=Q(patron__isnull=False),
                name="extension_change_patron_once_per_campaign",
            ),
            models.CheckConstraint(
                condition=Q(loan__isnull=True, patron__isnull=False)
                | Q(loan__isnull=False, patron__isnull=True),
                name="extension_change_loan_or_patron",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_date} → {self.new_date}"
