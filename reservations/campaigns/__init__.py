"""Extension campaigns: push back the due date of many loans, or the end of many memberships.

A campaign runs in batches of rows taken by ascending primary key after
``last_key``. Each batch is one transaction that records the change rows
(``INSERT ... ON CONFLICT DO NOTHING``: a row is recorded at most once per
campaign), moves the dates of exactly the rows just recorded, and advances the
campaign's ``rows_done`` and ``last_key``. A crash loses at most the batch in
flight, which the next run does again; no row is ever extended twice.

The campaign row is locked at the start of every batch, so two workers running
the same campaign take turns instead of racing: publishing its task twice (the
sweeper after a lost worker, an operator's "resume") is harmless.

Undo and the patrons' e-mails work the same way, in batches after
``undo_last_key`` (change rows) and ``notify_last_key`` (patrons).
"""

from .batching import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_STALLED_AFTER_SECONDS,
    NOTIFICATION_LOANS_EXTENDED,
    NOTIFICATION_MEMBERSHIP_EXTENDED,
    NOTIFY_BATCH_SIZE,
)
from .emails import notifications_pending, notify_patrons
from .errors import (
    AlreadyStarted,
    AnotherCampaignRunning,
    CampaignError,
    InvalidShift,
    NothingSelected,
    NotRunnable,
    NotUndoable,
)
from .progress import carry_on, is_stalled, stalled_campaigns, work_left
from .runs import resume_campaign, run_campaign_batches, start_campaign
from .selection import dry_run, dry_run_summary, shift_date
from .undo import run_undo_batches, start_undo, undo_campaign

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_STALLED_AFTER_SECONDS",
    "NOTIFICATION_LOANS_EXTENDED",
    "NOTIFICATION_MEMBERSHIP_EXTENDED",
    "NOTIFY_BATCH_SIZE",
    "AlreadyStarted",
    "AnotherCampaignRunning",
    "CampaignError",
    "InvalidShift",
    "NothingSelected",
    "NotRunnable",
    "NotUndoable",
    "carry_on",
    "dry_run",
    "dry_run_summary",
    "is_stalled",
    "notifications_pending",
    "notify_patrons",
    "resume_campaign",
    "run_campaign_batches",
    "run_undo_batches",
    "shift_date",
    "stalled_campaigns",
    "start_campaign",
    "start_undo",
    "undo_campaign",
    "work_left",
]
