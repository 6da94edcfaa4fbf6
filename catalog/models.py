from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DocumentType(models.Model):
    """A kind of document on the shelves (book, CD, DVD...) and its lending rules."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    reservable_online = models.BooleanField(
        _("reservable online"),
        default=True,
        help_text=_("Patrons can put documents of this type in their click & collect basket."),
    )
    loan_days = models.PositiveSmallIntegerField(_("loan period (days)"), default=21)
    quarantine_days = models.PositiveSmallIntegerField(
        _("quarantine after return (days)"),
        default=0,
        help_text=_("Days a returned copy stays off the shelf before it can be lent again."),
    )

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(loan_days__gte=1),
                name="document_type_loan_days_positive",
                violation_error_message=_("The loan period must be at least one day."),
            ),
            models.CheckConstraint(
                condition=Q(quarantine_days__gte=0),
                name="document_type_quarantine_days_not_negative",
                violation_error_message=_("The quarantine cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_en if translation.get_language() == "en" else self.name_fr


class Record(models.Model):
    """A bibliographic record (notice): the work as catalogued, whatever its copies."""

    identifier = models.CharField(
        _("identifier"),
        max_length=64,
        unique=True,
        help_text=_("The record's number in the library system, used to keep imports in step."),
    )
    document_type = models.ForeignKey(
        DocumentType,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("document type"),
    )
    title = models.CharField(_("title"), max_length=500)
    creators = models.CharField(_("creators"), max_length=500, blank=True)
    publisher = models.CharField(_("publisher"), max_length=255, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=3, blank=True, help_text=_("ISO 639-2 code, e.g. fre, eng.")
    )
    isbn = models.CharField(_("ISBN"), max_length=13, blank=True)
    ean = models.CharField(_("EAN"), max_length=13, blank=True)
    subjects = models.TextField(_("subjects"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("record")
        verbose_name_plural = _("records")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title=""),
                name="record_title_not_empty",
                violation_error_message=_("A record needs a title."),
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__lte=2100),
                name="record_year_plausible",
                violation_error_message=_("The year is not plausible."),
            ),
        ]
        # Plain b-tree indexes: identifiers are matched exactly, never with LIKE.
        indexes = [
            models.Index(fields=["isbn"], name="record_isbn"),
            models.Index(fields=["ean"], name="record_ean"),
        ]

    def __str__(self) -> str:
        return self.title


class ItemStatus(models.TextChoices):
    AVAILABLE = "available", _("on the shelf")
    HELD = "held", _("held for an order")
    ON_LOAN = "on_loan", _("on loan")
    QUARANTINE = "quarantine", _("in quarantine")
    UNAVAILABLE = "unavailable", _("unavailable")


class Item(models.Model):
    """One physical copy of a record, on the shelves of one branch."""

    Status = ItemStatus

    barcode = models.CharField(
        _("barcode"),
        max_length=32,
        unique=True,
        error_messages={"unique": _("A copy with this barcode already exists.")},
    )
    record = models.ForeignKey(
        Record,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("record"),
        # The (record, branch, status) index below serves lookups by record.
        db_index=False,
    )
    branch = models.ForeignKey(
        "branches.Branch",
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("branch"),
    )
    call_number = models.CharField(_("call number"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ItemStatus, default=ItemStatus.AVAILABLE
    )
    status_changed_at = models.DateTimeField(
        _("status changed"), default=timezone.now, editable=False
    )

    class Meta:
        verbose_name = _("copy")
        verbose_name_plural = _("copies")
        ordering = ["branch", "call_number", "barcode"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in ItemStatus]),
                name="item_status_valid",
                violation_error_message=_("Unknown copy status."),
            ),
            models.CheckConstraint(
                condition=~Q(barcode=""),
                name="item_barcode_not_empty",
                violation_error_message=_("A copy needs a barcode."),
            ),
        ]
        indexes = [
            # Availability of a record at a branch: the hot query of submission.
            models.Index(fields=["record", "branch", "status"], name="item_record_branch_status"),
        ]

    def __str__(self) -> str:
        return f"{self.barcode} · {self.record}"


class IlsBranchCode(models.Model):
    """A code the library system's exports use for a branch (995 $c, 952 $b...).

    An export naming a branch by its own code needs no entry: a branch's
    ``code`` is always recognised. These are the other codes, such as the
    library system's site numbers.
    """

    code = models.CharField(_("code in the library system"), max_length=32)
    branch = models.ForeignKey(
        "branches.Branch",
        on_delete=models.CASCADE,
        related_name="ils_codes",
        verbose_name=_("branch"),
    )

    class Meta:
        verbose_name = _("library system branch code")
        verbose_name_plural = _("library system branch codes")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                Upper("code"),
                name="ils_branch_code_unique",
                violation_error_message=_("This code is already given to a branch."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} → {self.branch}"


class CatalogImport(models.Model):
    """One import of a catalogue file: who asked, from where, and what it did."""

    class Origin(models.TextChoices):
        UPLOAD = "upload", _("uploaded in the admin")
        FOLDER = "folder", _("nightly folder")
        COMMAND = "command", _("command line")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("checked, waiting for confirmation")
        IMPORTING = "importing", _("importing")
        # In context: "done" and "failed" name other things, of other genders, in French.
        DONE = "done", pgettext_lazy("catalogue import status", "done")
        FAILED = "failed", pgettext_lazy("catalogue import status", "failed")

    # Failures known by a code (``error``), told in the reader's language.
    NOT_A_CATALOGUE_FILE = "not_a_catalogue_file"
    ALREADY_RUNNING = "already_running"
    INTERRUPTED = "interrupted"
    FAILURES = {
        NOT_A_CATALOGUE_FILE: _(
            "This file is not a catalogue file: expected UNIMARC or MARC 21 (ISO 2709), "
            "MARCXML, or a CSV whose header names at least record_id and title."
        ),
        ALREADY_RUNNING: _(
            "Another import is writing the catalogue; try again when it has finished."
        ),
        INTERRUPTED: _(
            "Interrupted: its process stopped (a restart or a crash) before the end. "
            "Records written before are kept; import the file again to finish."
        ),
    }

    origin = models.CharField(_("origin"), max_length=16, choices=Origin)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.UPLOADED)
    file = models.FileField(_("file"), upload_to="catalogue-imports/%Y/%m/", blank=True)
    source_name = models.CharField(_("file name"), max_length=255)
    format = models.CharField(_("format"), max_length=16, blank=True)
    full_export = models.BooleanField(
        _("full export"),
        default=False,
        help_text=_(
            "The file lists every copy of the network: copies missing from it are "
            "marked unavailable."
        ),
    )
    bytes_total = models.BigIntegerField(_("size (bytes)"), default=0)
    bytes_done = models.BigIntegerField(_("bytes read"), default=0)
    check_report = models.JSONField(_("dry-run report"), null=True, blank=True)
    report = models.JSONField(_("report"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("catalogue import", "created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    progressed_at = models.DateTimeField(_("last progress"), null=True, blank=True)

    class Meta:
        verbose_name = _("catalogue import")
        verbose_name_plural = _("catalogue imports")
        ordering = ["-created_at"]
        permissions = [("run_catalogimport", _("Can run a catalogue import"))]

    def __str__(self) -> str:
        return self.source_name

    @property
    def error_message(self) -> str:
        """Why it failed, in the active language when the reason is a known one."""
        return str(self.FAILURES.get(self.error, self.error))

    @property
    def percent_done(self) -> int:
        if not self.bytes_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.bytes_done / self.bytes_total))
