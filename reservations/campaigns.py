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

import calendar
import datetime
import logging
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import ReadableError
from core.network_time import network_date
from notifications.services import queue_notification

from . import audit
from .audit import AuditAction
from .models import (
    ACTIVE_CAMPAIGN_STATUSES,
    CampaignKind,
    CampaignStatus,
    ExtensionCampaign,
    ExtensionChange,
    Loan,
    ShiftUnit,
)

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000
# Patrons per transaction when queueing the e-mails (each one is rendered).
NOTIFY_BATCH_SIZE = 200
# A running campaign without a committed batch for this long has lost its worker.
DEFAULT_STALLED_AFTER_SECONDS = 300

NOTIFICATION_LOANS_EXTENDED = "loans_extended"
NOTIFICATION_MEMBERSHIP_EXTENDED = "membership_extended"


class CampaignError(ReadableError):
    """A campaign cannot do what was asked; nothing was changed."""

    message = _("This campaign cannot do that.")


class InvalidShift(CampaignError):
    message = _("The extension must be a positive number of weeks or months.")


class NothingSelected(CampaignError):
    message = _("Campaign “%(name)s” selects nothing: there is nothing to extend.")


class AlreadyStarted(CampaignError):
    message = _("Campaign “%(name)s” is %(status)s: it cannot be started again.")


class AnotherCampaignRunning(CampaignError):
    message = _("Another campaign on %(kind)s is running: wait for it to finish.")


class NotRunnable(CampaignError):
    message = _("Campaign “%(name)s” is %(status)s: it cannot be run.")


class NotUndoable(CampaignError):
    message = _("Campaign “%(name)s” is %(status)s: it cannot be undone.")


# Calendar --------------------------------------------------------------------------------------


def shift_date(day: datetime.date, *, amount: int, unit: str) -> datetime.date:
    """Return the day moved by weeks or calendar months, clamped to the end of a shorter month.

    31 January + 1 month is the last day of February; 29 February + 12 months is
    28 February. PostgreSQL's ``date + make_interval(months => n)`` does the same.
    """
    if unit == ShiftUnit.WEEKS:
        return day + datetime.timedelta(weeks=amount)
    months = day.year * 12 + day.month - 1 + amount
    year, month = divmod(months, 12)
    month += 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _interval_params(campaign: ExtensionCampaign) -> dict:
    if campaign.shift_unit == ShiftUnit.WEEKS:
        return {"months": 0, "days": 7 * campaign.shift_amount}
    return {"months": campaign.shift_amount, "days": 0}


# Selection -------------------------------------------------------------------------------------


def _reference_day(campaign: ExtensionCampaign) -> datetime.date:
    # "Ended since" is judged on the day the campaign started, so that a resumed
    # run next week selects the same memberships.
    return network_date(campaign.started_at)  # None: today, for a dry run


def _selection(campaign: ExtensionCampaign) -> QuerySet:
    """Return the loans or patrons the campaign extends.

    Once started, only the rows that existed then: a loan lent at the desk
    during the campaign has a fresh due date and is not the measure's.
    """
    if campaign.kind == CampaignKind.LOANS:
        rows = Loan.objects.filter(returned_at__isnull=True)
        if campaign.due_from:
            rows = rows.filter(due_on__gte=campaign.due_from)
        if campaign.due_to:
            rows = rows.filter(due_on__lte=campaign.due_to)
    else:
        rows = User.objects.filter(
            membership_expires_on__gte=campaign.ended_on_or_after,
            membership_expires_on__lt=_reference_day(campaign),
        )
    if campaign.max_key:
        rows = rows.filter(pk__lte=campaign.max_key)
    return rows


def dry_run(*, campaign: ExtensionCampaign) -> int:
    """Return how many loans or patrons the campaign would extend if started now."""
    return _selection(campaign).count()


def dry_run_summary(*, campaign: ExtensionCampaign) -> tuple[int, int]:
    """Return how many rows (loans or memberships) and patrons the campaign would touch now."""
    if campaign.kind == CampaignKind.LOANS:
        counts = _selection(campaign).aggregate(
            rows=Count("pk"), patrons=Count("patron", distinct=True)
        )
        return counts["rows"], counts["patrons"]
    rows = dry_run(campaign=campaign)
    return rows, rows


# Start -----------------------------------------------------------------------------------------


def _audit(
    *, campaign: ExtensionCampaign, by: User | None, action: AuditAction, at: datetime.datetime
) -> None:
    audit.record(
        audit.entry(
            at=at, actor=by, action=action, detail=f"campaign {campaign.pk}: {campaign.name}"[:255]
        )
    )


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
            selected = _selection(locked).aggregate(total=Count("pk"), max_key=Max("pk"))
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
            _audit(campaign=locked, by=by, action=AuditAction.CAMPAIGN_STARTED, at=now)
    except IntegrityError as error:
        # Another campaign of the kind started between the check and the save.
        raise AnotherCampaignRunning(kind=campaign.get_kind_display()) from error
    campaign.refresh_from_db()
    return campaign


# Batches ---------------------------------------------------------------------------------------


def _target(campaign: ExtensionCampaign) -> tuple[str, str, str]:
    """Return the table, its date column and the change row's column for the campaign's kind."""
    if campaign.kind == CampaignKind.LOANS:
        return Loan._meta.db_table, "due_on", "loan_id"
    return User._meta.db_table, "membership_expires_on", "patron_id"


def _commit_without_waiting_for_disk(cursor) -> None:
    """Let this batch's commit return before its WAL reaches the disk (PostgreSQL only).

    A server crash may then lose the last batches, but whole: their change rows
    and the campaign's progress go together, so the resumed run does them again.
    Hundreds of commits no longer each wait for a disk flush.
    """
    cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _extend_batch_postgresql(
    campaign: ExtensionCampaign, batch_size: int
) -> tuple[int | None, int]:
    table, date_column, change_column = _target(campaign)
    params = {
        "campaign_id": campaign.pk,
        "last_key": campaign.last_key,
        "limit": batch_size,
        **_interval_params(campaign),
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
        params["reference_day"] = _reference_day(campaign)
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
        _commit_without_waiting_for_disk(cursor)
        cursor.execute(sql, params)
        last_key, changed = cursor.fetchone()
    return last_key, changed


def _extend_batch_orm(campaign: ExtensionCampaign, batch_size: int) -> tuple[int | None, int]:
    _table, date_column, change_column = _target(campaign)
    date_field = "due_on" if campaign.kind == CampaignKind.LOANS else "membership_expires_on"
    link = change_column.removesuffix("_id")
    rows = list(
        _selection(campaign)
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
                    _audit(campaign=campaign, by=None, action=AuditAction.CAMPAIGN_DONE, at=now)
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


# Notifications ---------------------------------------------------------------------------------


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


# Undo ------------------------------------------------------------------------------------------


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
            _audit(campaign=locked, by=by, action=AuditAction.CAMPAIGN_UNDONE, at=now)
    except IntegrityError as error:
        raise AnotherCampaignRunning(kind=campaign.get_kind_display()) from error
    campaign.refresh_from_db()
    return campaign


def _undo_batch_postgresql(campaign: ExtensionCampaign, batch_size: int) -> tuple[int | None, int]:
    table, date_column, change_column = _target(campaign)
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
        _commit_without_waiting_for_disk(cursor)
        cursor.execute(
            sql,
            {"campaign_id": campaign.pk, "last_key": campaign.undo_last_key, "limit": batch_size},
        )
        return cursor.fetchone()


def _undo_batch_orm(campaign: ExtensionCampaign, batch_size: int) -> tuple[int | None, int]:
    _table, date_column, change_column = _target(campaign)
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


# Whole runs, for the task and the command ------------------------------------------------------


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
