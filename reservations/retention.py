"""Personal data kept only as long as needed: returned loans, closed orders, old audit entries.

The CNIL's guidance for libraries: a loan's history is not kept once the copy
is back, unless the patron asks. ``RETURNED_LOAN_RETENTION_DAYS`` after its
return (time to settle a damaged copy), a loan keeps its copy and dates, for
the figures, but no longer says who borrowed it, nor through which order.
An order collected, cancelled or expired ``CLOSED_ORDER_RETENTION_DAYS`` ago
keeps its branch, dates and documents, and loses its patron the same way.
An audit entry keeps what happened and when; ``AUDIT_ACTOR_RETENTION_MONTHS``
later it no longer says which member of staff or patron did it.
"""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.batches import update_in_batches

from .models import AuditEntry, Loan, Reservation, ReservationStatus


def anonymise_returned_loans(
    *, now: datetime.datetime | None = None, older_than_days: int | None = None
) -> int:
    """Detach the patron (and order line) from loans returned long enough ago; return how many."""
    now = now or timezone.now()
    if older_than_days is None:
        older_than_days = settings.RETURNED_LOAN_RETENTION_DAYS
    rows = Loan.objects.filter(
        returned_at__lt=now - datetime.timedelta(days=older_than_days), patron__isnull=False
    )
    return update_in_batches(rows, patron=None, line=None)


def anonymise_closed_orders(
    *, now: datetime.datetime | None = None, older_than_days: int | None = None
) -> int:
    """Detach the patron from orders closed long enough ago; return how many."""
    now = now or timezone.now()
    if older_than_days is None:
        older_than_days = settings.CLOSED_ORDER_RETENTION_DAYS
    cutoff = now - datetime.timedelta(days=older_than_days)
    closed_long_ago = (
        Q(status=ReservationStatus.COLLECTED, collected_at__lt=cutoff)
        | Q(status=ReservationStatus.CANCELLED, cancelled_at__lt=cutoff)
        | Q(status=ReservationStatus.EXPIRED, expired_at__lt=cutoff)
    )
    rows = Reservation.objects.filter(closed_long_ago, patron__isnull=False)
    return update_in_batches(rows, patron=None)


def pseudonymise_audit_entries(
    *, now: datetime.datetime | None = None, older_than_months: int | None = None
) -> int:
    """Remove who did it from audit entries older than the retention; return how many."""
    now = now or timezone.now()
    if older_than_months is None:
        older_than_months = settings.AUDIT_ACTOR_RETENTION_MONTHS
    cutoff = now - datetime.timedelta(days=30 * older_than_months)
    return update_in_batches(
        AuditEntry.objects.filter(at__lt=cutoff, actor__isnull=False), actor=None
    )
