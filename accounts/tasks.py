"""Periodic tasks of accounts: thin wrappers around the services."""

from celery import shared_task

from . import retention


@shared_task(name="accounts.tasks.forget_sign_in_attempts")
def forget_sign_in_attempts() -> int:
    """Delete failed sign-ins past their lock-out; return how many."""
    return retention.forget_sign_in_attempts()
