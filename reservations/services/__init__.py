"""The lifecycle of an order: every change of state, each in one short transaction.

Each function writes its rows, the audit trail and the patron's e-mail (through
the notifications outbox) together, so that either all of it happens or none.

Locking rules, always taken in this order so that two services never wait on
each other in opposite orders (no deadlocks):

1. the patron row (``submit_reservation`` only: it serializes one patron's
   orders, which is what makes the document cap hold under parallel requests);
2. the reservation row (every service that changes an order or its lines:
   lines are only ever changed under their order's lock);
3. item rows, in ascending record then primary key order, with
   ``skip_locked=True`` when any free copy will do (a copy locked by another
   order is about to be taken: waiting for it would only serialize unrelated
   orders).

On SQLite ``select_for_update`` does nothing; the settings open every
transaction with ``BEGIN IMMEDIATE`` so that write transactions run one at a
time and the same rules hold.
"""

from .cancellation import cancel
from .desk import collect
from .preparation import confirm_pick, mark_ready, report_missing, start_preparing
from .returns import return_item
from .submission import submit_reservation
from .sweeps import SWEEP_CHUNK_SIZE, expire_overdue, release_quarantine, send_pickup_reminders
from .transitions import (
    ACTION_CANCEL,
    ACTION_COLLECT,
    ACTION_MARK_READY,
    ACTION_PICK,
    ACTION_PREPARE,
    ACTION_REPORT_MISSING,
    LINE_ACTION_HAND_OVER,
    LINE_ACTION_PICK,
    LINE_ACTION_REPORT_MISSING,
)

__all__ = [
    "ACTION_CANCEL",
    "ACTION_COLLECT",
    "ACTION_MARK_READY",
    "ACTION_PICK",
    "ACTION_PREPARE",
    "ACTION_REPORT_MISSING",
    "LINE_ACTION_HAND_OVER",
    "LINE_ACTION_PICK",
    "LINE_ACTION_REPORT_MISSING",
    "SWEEP_CHUNK_SIZE",
    "cancel",
    "collect",
    "confirm_pick",
    "expire_overdue",
    "mark_ready",
    "release_quarantine",
    "report_missing",
    "return_item",
    "send_pickup_reminders",
    "start_preparing",
    "submit_reservation",
]
