"""Periodic tasks of pickup appointments: thin wrappers around the services.

Each is safe to run twice, or on two workers at once: the services lock the
rows they change with ``skip_locked`` and re-check their state.
"""

from celery import shared_task

from . import reminders, services


@shared_task(name="pickups.tasks.send_appointment_reminders")
def send_appointment_reminders() -> int:
    """Queue the reminders of this morning's appointments; return how many."""
    return reminders.send_appointment_reminders()


@shared_task(name="pickups.tasks.release_missed_appointments")
def release_missed_appointments() -> int:
    """Free the slots of appointments that ended without the patron; return how many."""
    return services.release_missed_appointments()


@shared_task(name="pickups.tasks.forget_arrival_notes")
def forget_arrival_notes() -> int:
    """Erase the notes of past days' arrivals; return how many."""
    return services.forget_arrival_notes()
