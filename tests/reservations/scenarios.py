"""Races shared by the PostgreSQL tests and the SQLite subprocess."""

from reservations.models import ReservationLine
from reservations.services import submit_reservation
from tests.factories import BranchFactory, ItemFactory, PatronFactory, RecordFactory
from tests.reservations.race import run_in_parallel


def last_copy_race(*, patrons: int) -> dict:
    """Let `patrons` patrons reserve the one copy of a record at once; return the outcomes."""
    item = ItemFactory()
    people = PatronFactory.create_batch(patrons)
    outcomes = run_in_parallel(
        [
            lambda patron=patron: submit_reservation(
                patron=patron, branch=item.branch, records=[item.record]
            )
            for patron in people
        ]
    )
    return dict(outcomes)


def one_patron_race(*, submissions: int) -> dict:
    """Let one patron send `submissions` single-document orders at once; return outcomes."""
    branch = BranchFactory()
    patron = PatronFactory()
    records = RecordFactory.create_batch(submissions)
    for record in records:
        ItemFactory(record=record, branch=branch)
    outcomes = run_in_parallel(
        [
            lambda record=record: submit_reservation(patron=patron, branch=branch, records=[record])
            for record in records
        ]
    )
    holding = ReservationLine.objects.filter(
        reservation__patron=patron, status__in=["allocated", "picked"]
    ).count()
    return {**outcomes, "holding": holding}


def same_document_race(*, sessions: int) -> dict:
    """Let one patron order the same record from `sessions` sessions at once (a copy each)."""
    branch = BranchFactory()
    patron = PatronFactory()
    record = RecordFactory()
    ItemFactory.create_batch(sessions, record=record, branch=branch)
    outcomes = run_in_parallel(
        [
            lambda: submit_reservation(patron=patron, branch=branch, records=[record])
            for _ in range(sessions)
        ]
    )
    holding = ReservationLine.objects.filter(
        reservation__patron=patron, record=record, status__in=["allocated", "picked"]
    ).count()
    return {**outcomes, "holding": holding}
