"""What the staff board changes: an arrival acknowledged by the desk."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from pickups.models import Arrival
from reservations import audit
from reservations.audit import AuditAction


def mark_arrival_seen(*, arrival: Arrival, by: User, now: datetime | None = None) -> Arrival:
    """Record that the desk has seen the patron's "I'm here"; seeing it again changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = Arrival.objects.filter(pk=arrival.pk, seen_at__isnull=True).update(seen_at=now)
        if updated:
            audit.record(
                audit.entry(
                    at=now,
                    actor=by,
                    action=AuditAction.ARRIVAL_SEEN,
                    reservation_id=arrival.reservation_id,
                )
            )
    arrival.refresh_from_db(fields=["seen_at"])
    return arrival
