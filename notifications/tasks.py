"""Celery tasks of the outbox: thin wrappers around notifications.services."""

from celery import shared_task

from . import services


@shared_task(bind=True, name="notifications.tasks.send_notification", max_retries=None)
def send_notification(self, notification_id: int) -> None:
    """Send one queued notification; retry with exponential backoff while attempts remain.

    Safe to run twice or on two workers at once: the service locks the row
    and only sends a notification that is still queued. The number of
    attempts is counted on the row (not by Celery), so the sweeper's copies
    of this task share the same budget.
    """
    result = services.send_queued_notification(notification_id=notification_id)
    if result.retry_in is None:
        return
    if self.request.is_eager:
        # Run in-process (embedded mode): Celery would retry at once, in the
        # request, without waiting. The row stays queued with its error and
        # the sweeper sends it again after the backoff.
        return
    raise self.retry(countdown=result.retry_in, exc=result.error)


@shared_task(name="notifications.tasks.requeue_stale_notifications")
def requeue_stale_notifications(older_than_seconds: int | None = None) -> int:
    """Publish the sending task again for notifications left queued (broker down, worker lost)."""
    return services.requeue_stale_notifications(older_than_seconds=older_than_seconds)


@shared_task(name="notifications.tasks.forget_sent_e_mails")
def forget_sent_e_mails() -> int:
    """Erase the content of e-mails done with for NOTIFICATION_RETENTION_DAYS; return how many."""
    return services.forget_sent_e_mails()
