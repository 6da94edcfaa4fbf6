"""Undoing a campaign: every change put back, batch after batch, and audited."""

import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from accounts.models import User

from ..audit import AuditAction
from ..models import (
    CampaignKind,
    CampaignStatus,
    ExtensionCampaign,
    ExtensionChange,
    Loan,
)
from .batching import DEFAULT_BATCH_SIZE, audit_campaign, commit_without_waiting_for_disk, target
from .errors import AnotherCampaignRunning, NotUndoable


def start_undo(
    *, campaign: ExtensionCampaign, by: User | None, now: datetime.datetime | None = None
) -> ExtensionCampaign:
    """Move a done (or failed) campaign to "being undone"; the batches then give dates back."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = ExtensionCampaign.objects.select_for_update().get(pk=campaign.pk)
            if locked.status not in (CampaignStatus.DONE, CampaignStatus.FAILED):
                raise NotUndoable(name=locked.name, status=locked.get_status_display())
            locked.status = CampaignStatus.UNDOING
            locked.rows_undone = 0
            locked.undo_last_key = 0
            locked.progressed_at = now
            locked.save(update_fields=["status", "rows_undone", "undo_last_key", "progressed_at"])
            audit_campaign(campaign=locked, by=by, action=AuditAction.CAMPAIGN_UNDONE, at=now)
    except IntegrityError as error:
        raise AnotherCampaignRunning(kind=campaign.get_kind_display()) from error
    campaign.refresh_from_db()
    return campaign


def _undo_batch_postgresql(campaign: ExtensionCampaign, batch_size: int) -> tuple[int | None, int]:
    table, date_column, change_column = target(campaign)
    change_table = ExtensionChange._meta.db_table
    sql = f"""
        WITH batch AS (
            SELECT c.id, c.{change_column} AS row_id, c.old_date, c.new_date
            FROM {change_table} c
            WHERE c.campaign_id = %(campaign_id)s AND c.id > %(last_key)s
            ORDER BY c.id
            LIMIT %(limit)s
        ), restored AS (
            UPDATE {table} t SET {date_column} = batch.old_date
            FROM batch
            WHERE t.id = batch.row_id AND t.{date_column} = batch.new_date
            RETURNING t.id
        )
        SELECT (SELECT max(id) FROM batch), (SELECT count(*) FROM restored)
    """  # noqa: S608 - only table and column names from the models are interpolated
    with connection.cursor() as cursor:
        commit_without_waiting_for_disk(cursor)
        cursor.execute(
            sql,
            {"campaign_id": campaign.pk, "last_key": campaign.undo_last_key, "limit": batch_size},
        )
        return cursor.fetchone()


def _undo_batch_orm(campaign: ExtensionCampaign, batch_size: int) -> tuple[int | None, int]:
    _table, date_column, change_column = target(campaign)
    link = change_column.removesuffix("_id")
    keys = list(
        ExtensionChange.objects.filter(campaign=campaign, pk__gt=campaign.undo_last_key)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    if not keys:
        return None, 0
    model = Loan if campaign.kind == CampaignKind.LOANS else User
    changes = ExtensionChange.objects.filter(pk__in=keys, **{link: OuterRef("pk")})
    restored = model.objects.filter(
        pk__in=ExtensionChange.objects.filter(pk__in=keys).values(change_column),
        **{date_column: Subquery(changes.values("new_date")[:1])},
    ).update(**{date_column: Subquery(changes.values("old_date")[:1])})
    return keys[-1], restored


def run_undo_batches(*, campaign_id: int, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Give back the old dates of a campaign being undone, from where it stopped.

    A row whose date changed again since (a renewal at the desk) keeps that
    later date. Return how many rows were restored now.
    """
    restored_now = 0
    if connection.vendor == "postgresql":
        # Right after a campaign the planner still thinks the change table nearly
        # empty and sorts all its remaining rows for every batch: 110 s instead
        # of 66 s for a million (bench/README.md). Half a second sets it right.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ExtensionChange._meta.db_table}")
    while True:
        with transaction.atomic():
            campaign = ExtensionCampaign.objects.select_for_update().get(pk=campaign_id)
            if campaign.status != CampaignStatus.UNDOING:
                break
            if connection.vendor == "postgresql":
                last_key, restored = _undo_batch_postgresql(campaign, batch_size)
            else:
                last_key, restored = _undo_batch_orm(campaign, batch_size)
            now = timezone.now()  # one batch, one clock
            if last_key is None:
                campaign.status = CampaignStatus.UNDONE
                campaign.finished_at = campaign.progressed_at = now
                campaign.save(update_fields=["status", "finished_at", "progressed_at"])
                break
            ExtensionCampaign.objects.filter(pk=campaign_id).update(
                rows_undone=F("rows_undone") + restored,
                undo_last_key=last_key,
                progressed_at=now,
            )
            restored_now += restored
    return restored_now


def undo_campaign(
    *, campaign: ExtensionCampaign, by: User | None, batch_size: int = DEFAULT_BATCH_SIZE
) -> int:
    """Undo a campaign here and now (the command, the tests); return how many rows were restored."""
    start_undo(campaign=campaign, by=by)
    restored = run_undo_batches(campaign_id=campaign.pk, batch_size=batch_size)
    campaign.refresh_from_db()
    return restored
