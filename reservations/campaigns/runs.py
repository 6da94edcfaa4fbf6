"""Running a campaign: started once, then batch after batch until every row is extended."""

import datetime
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, OuterRef, Subquery
from django.utils import timezone

from accounts.models import User

from .. import audit
from ..audit import AuditAction
from ..models import (
    ACTIVE_CAMPAIGN_STATUSES,
    CampaignKind,
    CampaignStatus,
    ExtensionCampaign,
    ExtensionChange,
    Loan,
)
from .batching import DEFAULT_BATCH_SIZE, audit_campaign, commit_without_waiting_for_disk, target
from .errors import (
    AlreadyStarted,
    AnotherCampaignRunning,
    InvalidShift,
    NothingSelected,
    NotRunnable,
)
from .selection import interval_params, reference_day, selected_rows, shift_date


def start_campaign(
    *, campaign: ExtensionCampaign, by: User | None, now: datetime.datetime | None = None
) -> ExtensionCampaign:
    """Move a draft campaign to running, counting the rows it will change."""
    now = now or timezone.now()
    if campaign.shift_amount is None or campaign.shift_amount <= 0:
        raise InvalidShift()
    try:
        with transaction.atomic():
            locked = ExtensionCampaign.objects.select_for_update().get(pk=campaign.pk)
            if locked.status != CampaignStatus.DRAFT:
                raise AlreadyStarted(name=locked.name, status=locked.get_status_display())
            if (
                ExtensionCampaign.objects.filter(
                    kind=locked.kind, status__in=ACTIVE_CAMPAIGN_STATUSES
                )
                .exclude(pk=locked.pk)
                .exists()
            ):
                raise AnotherCampaignRunning(kind=locked.get_kind_display())
            locked.started_at = now
            selected = selected_rows(locked).aggregate(total=Count("pk"), max_key=Max("pk"))
            if selected["total"] == 0:
                raise NothingSelected(name=locked.name)
            locked.status = CampaignStatus.RUNNING
            locked.rows_total = selected["total"]
            locked.max_key = selected["max_key"]
            locked.rows_done = 0
            locked.last_key = 0
            locked.progressed_at = locked.started_at
            locked.save(
                update_fields=[
                    "status",
                    "started_at",
                    "rows_total",
                    "rows_done",
                    "last_key",
                    "max_key",
                    "progressed_at",
                ]
            )
            audit_campaign(campaign=locked, by=by, action=AuditAction.CAMPAIGN_STARTED, at=now)
    except IntegrityError as error:
        # Another campaign of the kind started between the check and the save.
        raise AnotherCampaignRunning(kind=campaign.get_kind_display()) from error
    campaign.refresh_from_db()
    return campaign


def _extend_batch_postgresql(
    campaign: ExtensionCampaign, batch_size: int
) -> tuple[int | None, int]:
    table, date_column, change_column = target(campaign)
    params = {
        "campaign_id": campaign.pk,
        "last_key": campaign.last_key,
        "limit": batch_size,
        **interval_params(campaign),
    }
    if campaign.kind == CampaignKind.LOANS:
        conditions = ["t.returned_at IS NULL"]
        if campaign.due_from:
            conditions.append("t.due_on >= %(due_from)s")
            params["due_from"] = campaign.due_from
        if campaign.due_to:
            conditions.append("t.due_on <= %(due_to)s")
            params["due_to"] = campaign.due_to
    else:
        conditions = [
            "t.membership_expires_on >= %(ended_on_or_after)s",
            "t.membership_expires_on < %(reference_day)s",
        ]
        params["ended_on_or_after"] = campaign.ended_on_or_after
        params["reference_day"] = reference_day(campaign)
    if campaign.max_key:  # zero for a campaign started before the field existed
        conditions.append("t.id <= %(max_key)s")
        params["max_key"] = campaign.max_key
    where = " AND ".join(["t.id > %(last_key)s", *conditions])
    change_table = ExtensionChange._meta.db_table
    # FOR UPDATE: a desk change of the same row waits for this short batch, and the
    # batch reads the row's latest date if the desk changed it first.
    sql = f"""
        WITH batch AS (
            SELECT t.id, t.{date_column} AS old_date FROM {table} t
            WHERE {where}
            ORDER BY t.id
            LIMIT %(limit)s
            FOR UPDATE
        ), recorded AS (
            INSERT INTO {change_table} (campaign_id, {change_column}, old_date, new_date)
            SELECT %(campaign_id)s, batch.id, batch.old_date,
                   (batch.old_date + make_interval(months => %(months)s, days => %(days)s))::date
            FROM batch
            ON CONFLICT DO NOTHING
            RETURNING {change_column} AS row_id, new_date
        ), updated AS (
            UPDATE {table} t SET {date_column} = recorded.new_date
            FROM recorded WHERE t.id = recorded.row_id
            RETURNING t.id
        )
        SELECT (SELECT max(id) FROM batch), (SELECT count(*) FROM updated)
    """  # noqa: S608 - only table and column names from the models are interpolated
    with connection.cursor() as cursor:
        commit_without_waiting_for_disk(cursor)
        cursor.execute(sql, params)
        last_key, changed = cursor.fetchone()
    return last_key, changed


def _extend_batch_orm(campaign: ExtensionCampaign, batch_size: int) -> tuple[int | None, int]:
    _table, date_column, change_column = target(campaign)
    date_field = "due_on" if campaign.kind == CampaignKind.LOANS else "membership_expires_on"
    link = change_column.removesuffix("_id")
    rows = list(
        selected_rows(campaign)
        .filter(pk__gt=campaign.last_key)
        .order_by("pk")
        .values_list("pk", date_field)[:batch_size]
    )
    if not rows:
        return None, 0
    done = set(
        ExtensionChange.objects.filter(
            campaign=campaign, **{f"{change_column}__in": [pk for pk, _day in rows]}
        ).values_list(change_column, flat=True)
    )
    changes = [
        ExtensionChange(
            campaign=campaign,
            old_date=day,
            new_date=shift_date(day, amount=campaign.shift_amount, unit=campaign.shift_unit),
            **{change_column: pk},
        )
        for pk, day in rows
        if pk not in done
    ]
    ExtensionChange.objects.bulk_create(changes)
    model = Loan if campaign.kind == CampaignKind.LOANS else User
    new_date = ExtensionChange.objects.filter(campaign=campaign, **{link: OuterRef("pk")}).values(
        "new_date"
    )[:1]
    model.objects.filter(pk__in=[getattr(c, change_column) for c in changes]).update(
        **{date_column: Subquery(new_date)}
    )
    return rows[-1][0], len(changes)


def _extend_batch(campaign: ExtensionCampaign, batch_size: int) -> tuple[int | None, int]:
    """Extend the next batch; return the last key it saw (None when none is left) and its count."""
    if connection.vendor == "postgresql":
        return _extend_batch_postgresql(campaign, batch_size)
    return _extend_batch_orm(campaign, batch_size)


def resume_campaign(campaign_id: int) -> ExtensionCampaign:
    """Return the campaign ready to run, turning a failed one back to running."""
    try:
        with transaction.atomic():
            campaign = ExtensionCampaign.objects.select_for_update().get(pk=campaign_id)
            if campaign.status == CampaignStatus.FAILED:
                campaign.status = CampaignStatus.RUNNING
                campaign.finished_at = None
                campaign.progressed_at = timezone.now()  # a heartbeat: the real time
                campaign.save(update_fields=["status", "finished_at", "progressed_at"])
    except IntegrityError as error:
        raise AnotherCampaignRunning(kind=campaign.get_kind_display()) from error
    if campaign.status != CampaignStatus.RUNNING:
        raise NotRunnable(name=campaign.name, status=campaign.get_status_display())
    return campaign


def run_campaign_batches(
    *,
    campaign_id: int,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[ExtensionCampaign], None] | None = None,
) -> int:
    """Run a started campaign to its end from where it stopped; return the rows changed now."""
    resume_campaign(campaign_id)
    changed_now = 0
    try:
        while True:
            with transaction.atomic():
                campaign = ExtensionCampaign.objects.select_for_update().get(pk=campaign_id)
                if campaign.status != CampaignStatus.RUNNING:
                    break
                last_key, changed = _extend_batch(campaign, batch_size)
                # Each batch is an operation of its own, minutes apart from the
                # first: its progress is a heartbeat the sweeper reads.
                now = timezone.now()
                if last_key is None:
                    campaign.status = CampaignStatus.DONE
                    campaign.finished_at = campaign.progressed_at = now
                    campaign.save(update_fields=["status", "finished_at", "progressed_at"])
                    audit_campaign(
                        campaign=campaign, by=None, action=AuditAction.CAMPAIGN_DONE, at=now
                    )
                else:
                    ExtensionCampaign.objects.filter(pk=campaign_id).update(
                        rows_done=F("rows_done") + changed,
                        last_key=last_key,
                        progressed_at=now,
                    )
                    changed_now += changed
            if last_key is None:
                break
            if on_progress:
                campaign.refresh_from_db(fields=["rows_done", "rows_total", "last_key"])
                on_progress(campaign)
    except Exception:
        # The batch in flight is rolled back; mark the campaign so that the admin
        # sees it stopped. Running it again resumes after last_key.
        now = timezone.now()
        with transaction.atomic():
            failed = ExtensionCampaign.objects.filter(
                pk=campaign_id, status=CampaignStatus.RUNNING
            ).update(status=CampaignStatus.FAILED, finished_at=now)
            if failed:
                audit.record(
                    audit.entry(
                        at=now, action=AuditAction.CAMPAIGN_FAILED, detail=f"campaign {campaign_id}"
                    )
                )
        raise
    return changed_now
