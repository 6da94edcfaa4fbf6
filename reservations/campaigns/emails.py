"""The patrons' e-mails after a campaign, in batches: one per patron whose dates moved."""

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from accounts.models import User
from notifications.services import queue_notification

from ..models import (
    CampaignKind,
    CampaignStatus,
    ExtensionCampaign,
    ExtensionChange,
)
from .batching import (
    NOTIFICATION_LOANS_EXTENDED,
    NOTIFICATION_MEMBERSHIP_EXTENDED,
    NOTIFY_BATCH_SIZE,
)


def notifications_pending(campaign: ExtensionCampaign) -> bool:
    """Tell whether the campaign's patrons still have e-mails to be queued."""
    return (
        campaign.status == CampaignStatus.DONE
        and campaign.notify_patrons
        and campaign.notified_at is None
    )


def _patrons_to_notify(campaign: ExtensionCampaign, limit: int) -> list[User]:
    """Return the next patrons (by key) with a change in the campaign."""
    if campaign.kind == CampaignKind.LOANS:
        changed = ExtensionChange.objects.filter(campaign=campaign, loan__patron=OuterRef("pk"))
    else:
        changed = ExtensionChange.objects.filter(campaign=campaign, patron=OuterRef("pk"))
    return list(
        User.objects.filter(Exists(changed), pk__gt=campaign.notify_last_key).order_by("pk")[:limit]
    )


def _queue_loan_emails(
    campaign: ExtensionCampaign, patrons: list[User], *, now: datetime.datetime
) -> int:
    """Queue one e-mail per patron listing all their loans the campaign extended."""
    changes = (
        ExtensionChange.objects.filter(
            campaign=campaign, loan__patron__in=patrons, loan__returned_at__isnull=True
        )
        .select_related("loan__item__record")
        .order_by("new_date", "loan__item__record__title", "pk")
    )
    by_patron = defaultdict(list)
    for change in changes:
        by_patron[change.loan.patron_id].append(change)
    queued = 0
    for patron in patrons:
        # A patron who has returned everything since has nothing to be told.
        if extended := by_patron.get(patron.pk):
            queued += _queue(
                campaign, patron, NOTIFICATION_LOANS_EXTENDED, {"changes": extended}, now=now
            )
    return queued


def _queue_membership_emails(
    campaign: ExtensionCampaign, patrons: list[User], *, now: datetime.datetime
) -> int:
    changes = {
        change.patron_id: change
        for change in ExtensionChange.objects.filter(campaign=campaign, patron__in=patrons)
    }
    return sum(
        _queue(
            campaign,
            patron,
            NOTIFICATION_MEMBERSHIP_EXTENDED,
            {"change": changes[patron.pk]},
            now=now,
        )
        for patron in patrons
    )


def _queue(
    campaign: ExtensionCampaign,
    patron: User,
    kind: str,
    context: dict,
    *,
    now: datetime.datetime,
) -> int:
    notification = queue_notification(
        now=now,
        kind=kind,
        recipient=patron,
        context={"campaign": campaign, **context},
        dedup_key=f"campaign:{campaign.pk}:patron:{patron.pk}",
        about=campaign,
    )
    return 0 if notification is None else 1


def notify_patrons(*, campaign_id: int, batch_size: int = NOTIFY_BATCH_SIZE) -> int:
    """Queue the e-mails of a done campaign, one per patron, from where it stopped.

    Return how many were queued now. Each patron's e-mail has a dedup key, so a
    batch redone after a crash queues nothing twice.
    """
    queued_now = 0
    while True:
        with transaction.atomic():
            campaign = ExtensionCampaign.objects.select_for_update().get(pk=campaign_id)
            if not notifications_pending(campaign):
                break
            now = timezone.now()  # one batch, one clock
            patrons = _patrons_to_notify(campaign, batch_size)
            if not patrons:
                campaign.notified_at = campaign.progressed_at = now
                campaign.save(update_fields=["notified_at", "progressed_at"])
                break
            if campaign.kind == CampaignKind.LOANS:
                queued = _queue_loan_emails(campaign, patrons, now=now)
            else:
                queued = _queue_membership_emails(campaign, patrons, now=now)
            ExtensionCampaign.objects.filter(pk=campaign_id).update(
                notifications_queued=F("notifications_queued") + queued,
                notify_last_key=patrons[-1].pk,
                progressed_at=now,
            )
            queued_now += queued
    return queued_now
