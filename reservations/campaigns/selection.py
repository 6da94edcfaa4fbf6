"""What a campaign selects: the dates it moves, the rows it takes, counted before it starts."""

import calendar
import datetime

from django.db.models import Count, QuerySet

from accounts.models import User
from core.network_time import network_date

from ..models import (
    CampaignKind,
    ExtensionCampaign,
    Loan,
    ShiftUnit,
)


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


def interval_params(campaign: ExtensionCampaign) -> dict:
    if campaign.shift_unit == ShiftUnit.WEEKS:
        return {"months": 0, "days": 7 * campaign.shift_amount}
    return {"months": campaign.shift_amount, "days": 0}


# Selection -------------------------------------------------------------------------------------


def reference_day(campaign: ExtensionCampaign) -> datetime.date:
    # "Ended since" is judged on the day the campaign started, so that a resumed
    # run next week selects the same memberships.
    return network_date(campaign.started_at)  # None: today, for a dry run


def selected_rows(campaign: ExtensionCampaign) -> QuerySet:
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
            membership_expires_on__lt=reference_day(campaign),
        )
    if campaign.max_key:
        rows = rows.filter(pk__lte=campaign.max_key)
    return rows


def dry_run(*, campaign: ExtensionCampaign) -> int:
    """Return how many loans or patrons the campaign would extend if started now."""
    return selected_rows(campaign).count()


def dry_run_summary(*, campaign: ExtensionCampaign) -> tuple[int, int]:
    """Return how many rows (loans or memberships) and patrons the campaign would touch now."""
    if campaign.kind == CampaignKind.LOANS:
        counts = selected_rows(campaign).aggregate(
            rows=Count("pk"), patrons=Count("patron", distinct=True)
        )
        return counts["rows"], counts["patrons"]
    rows = dry_run(campaign=campaign)
    return rows, rows
