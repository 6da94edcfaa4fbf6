"""Whole runs, for the task and the command: what a campaign still needs, stalled ones."""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..models import (
    ACTIVE_CAMPAIGN_STATUSES,
    CampaignStatus,
    ExtensionCampaign,
)
from .batching import DEFAULT_BATCH_SIZE, DEFAULT_STALLED_AFTER_SECONDS
from .emails import notifications_pending, notify_patrons
from .runs import run_campaign_batches
from .undo import run_undo_batches


def work_left(campaign: ExtensionCampaign) -> bool:
    """Tell whether a worker has something to do for the campaign (to run, undo or notify)."""
    return campaign.status in ACTIVE_CAMPAIGN_STATUSES or notifications_pending(campaign)


def carry_on(
    *,
    campaign_id: int,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[ExtensionCampaign], None] | None = None,
) -> ExtensionCampaign:
    """Do whatever the campaign still needs, from where it stopped: extend, notify, or undo.

    What the Celery task and the command run; safe to call twice at once.
    """
    campaign = ExtensionCampaign.objects.get(pk=campaign_id)
    if campaign.status in (CampaignStatus.RUNNING, CampaignStatus.FAILED):
        run_campaign_batches(
            campaign_id=campaign_id, batch_size=batch_size, on_progress=on_progress
        )
        campaign.refresh_from_db()
    if notifications_pending(campaign):
        notify_patrons(campaign_id=campaign_id)
    elif campaign.status == CampaignStatus.UNDOING:
        run_undo_batches(campaign_id=campaign_id, batch_size=batch_size)
    campaign.refresh_from_db()
    return campaign


def _stalled_before(older_than_seconds: int | None) -> datetime.datetime:
    if older_than_seconds is None:
        older_than_seconds = getattr(
            settings, "CAMPAIGN_STALLED_AFTER_SECONDS", DEFAULT_STALLED_AFTER_SECONDS
        )
    return timezone.now() - datetime.timedelta(seconds=older_than_seconds)


def is_stalled(campaign: ExtensionCampaign) -> bool:
    """Tell whether the campaign has work left but no batch committed for a while."""
    return work_left(campaign) and (
        campaign.progressed_at is None or campaign.progressed_at < _stalled_before(None)
    )


def stalled_campaigns(*, older_than_seconds: int | None = None) -> QuerySet:
    """Return the campaigns with work left whose last batch is older than the threshold."""
    before = _stalled_before(older_than_seconds)
    pending_emails = Q(status=CampaignStatus.DONE, notify_patrons=True, notified_at__isnull=True)
    return ExtensionCampaign.objects.filter(
        Q(status__in=ACTIVE_CAMPAIGN_STATUSES) | pending_emails,
        Q(progressed_at__lt=before) | Q(progressed_at__isnull=True),
    )
