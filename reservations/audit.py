"""The audit trail's one vocabulary (AuditAction, in models), and the one way to write it.

Every app that changes an order, a copy, a campaign or a pickup writes its
entries here, in the transaction of the change: `entry()` makes one (dated by
the operation's own clock), `record()` saves them together.
"""

import datetime

from .models import AuditAction, AuditEntry

__all__ = ["AuditAction", "entry", "record"]


def entry(*, at: datetime.datetime, action: AuditAction, **fields) -> AuditEntry:
    """Return an unsaved entry of a change made at `at` (the operation's own clock)."""
    for name in ("from_status", "to_status"):
        fields[name] = str(fields.get(name, ""))
    return AuditEntry(at=at, action=action, **fields)


def record(*entries: AuditEntry) -> None:
    """Save the entries, in one query."""
    if entries:
        AuditEntry.objects.bulk_create(entries)
