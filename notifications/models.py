from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    # Claimed by a worker, which is talking to the provider until `lease_expires_at`.
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    DELIVERED = "delivered", _("delivered")
    BOUNCED = "bounced", _("bounced")


class Notification(models.Model):
    """One notification to send, written in the same transaction as the change it tells about.

    On one channel (e-mail only, so far: notifications/channels/), to one address on it.
    """

    Status = NotificationStatus

    kind = models.CharField(_("kind"), max_length=64)
    dedup_key = models.CharField(
        _("deduplication key"),
        max_length=200,
        unique=True,
        help_text=_("One e-mail per event: a second one with the same key is never created."),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(_("channel"), max_length=16, default="email")
    # The recipient's address on the channel when it was queued (an e-mail address...).
    address = models.CharField(_("to"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    # What the e-mail is about (an order...), without this app knowing its model.
    about_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    status = models.CharField(
        _("status"), max_length=12, choices=NotificationStatus, default=NotificationStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    lease_expires_at = models.DateTimeField(
        _("sending until"),
        null=True,
        blank=True,
        help_text=_(
            "A worker is sending it until then; if it has not said how it went by then, "
            "it was lost and the e-mail is sent again."
        ),
    )
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values),
                name="notification_status_valid",
            ),
            # A claim always says until when: a row sending forever would never be retried.
            models.CheckConstraint(
                condition=Q(status=NotificationStatus.SENDING, lease_expires_at__isnull=False)
                | (~Q(status=NotificationStatus.SENDING) & Q(lease_expires_at__isnull=True)),
                name="notification_lease_while_sending",
            ),
        ]
        indexes = [
            # The sweeper's query: rows still queued, or sending, after a while.
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="notification_unsent",
            ),
            models.Index(fields=["about_type", "about_id"], name="notification_about"),
            models.Index(fields=["provider_message_id"], name="notification_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.address}"
