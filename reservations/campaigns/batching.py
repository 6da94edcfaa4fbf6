"""What a campaign's batches share: the rows it changes, its commits, its audit entries."""

import datetime
import logging

from accounts.models import User

from .. import audit
from ..audit import AuditAction
from ..models import (
    CampaignKind,
    ExtensionCampaign,
    Loan,
)

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000
# Patrons per transaction when queueing the e-mails (each one is rendered).
NOTIFY_BATCH_SIZE = 200
# A running campaign without a committed batch for this long has lost its worker.
DEFAULT_STALLED_AFTER_SECONDS = 300

NOTIFICATION_LOANS_EXTENDED = "loans_extended"
NOTIFICATION_MEMBERSHIP_EXTENDED = "membership_extended"


def audit_campaign(
    *, campaign: ExtensionCampaign, by: User | None, action: AuditAction, at: datetime.datetime
) -> None:
    audit.record(
        audit.entry(
            at=at, actor=by, action=action, detail=f"campaign {campaign.pk}: {campaign.name}"[:255]
        )
    )


def target(campaign: ExtensionCampaign) -> tuple[str, str, str]:
    """Return the table, its date column and the change row's column for the campaign's kind."""
    if campaign.kind == CampaignKind.LOANS:
        return Loan._meta.db_table, "due_on", "loan_id"
    return User._meta.db_table, "membership_expires_on", "patron_id"


def commit_without_waiting_for_disk(cursor) -> None:
    """Let this batch's commit return before its WAL reaches the disk (PostgreSQL only).

    A server crash may then lose the last batches, but whole: their change rows
    and the campaign's progress go together, so the resumed run does them again.
    Hundreds of commits no longer each wait for a disk flush.
    """
    cursor.execute("SET LOCAL synchronous_commit TO OFF")
