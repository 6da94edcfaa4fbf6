"""Periodic tasks of the lifecycle: thin wrappers around the services.

Each is safe to run twice, or on two workers at once: the services lock the
rows they change with `skip_locked` and re-check their state.
"""

from celery import shared_task
from django.conf import settings

from core.publishing import publish_quietly

from . import campaigns, retention, services


@shared_task(name="reservations.tasks.expire_overdue_reservations")
def expire_overdue_reservations() -> int:
    """End the ready orders past their pickup deadline; return how many."""
    return services.expire_overdue()


@shared_task(name="reservations.tasks.send_pickup_reminders")
def send_pickup_reminders() -> int:
    """Queue the pickup reminders that are due; return how many."""
    return services.send_pickup_reminders()


@shared_task(name="reservations.tasks.release_quarantined_items")
def release_quarantined_items() -> int:
    """Put back on the shelf the copies whose quarantine is over; return how many."""
    return services.release_quarantine()


@shared_task(name="reservations.tasks.carry_on_campaign")
def carry_on_campaign(campaign_id: int) -> str:
    """Extend, notify or undo an extension campaign from where it stopped; return its status.

    Safe to run twice at once: the batches lock the campaign row and take turns.
    """
    return campaigns.carry_on(
        campaign_id=campaign_id, batch_size=settings.CAMPAIGN_BATCH_SIZE
    ).status


@shared_task(name="reservations.tasks.resume_stalled_campaigns")
def resume_stalled_campaigns(older_than_seconds: int | None = None) -> int:
    """Publish the task again for campaigns whose worker was lost; return how many."""
    stalled = list(
        campaigns.stalled_campaigns(older_than_seconds=older_than_seconds).values_list(
            "pk", flat=True
        )
    )
    for campaign_id in stalled:
        publish_quietly(carry_on_campaign, campaign_id)
    return len(stalled)


@shared_task(name="reservations.tasks.apply_retention")
def apply_retention() -> dict[str, int]:
    """Anonymise returned loans and closed orders, pseudonymise audit entries, past retention."""
    return {
        "loans": retention.anonymise_returned_loans(),
        "orders": retention.anonymise_closed_orders(),
        "audit_entries": retention.pseudonymise_audit_entries(),
    }
