"""Periodic tasks of the lifecycle: thin wrappers around the services.

Each is safe to run twice, or on two workers at once: the services lock the
rows they change with `skip_locked` and re-check their state.
"""

from celery import shared_task

from . import services


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
