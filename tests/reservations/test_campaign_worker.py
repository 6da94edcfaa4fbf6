"""Extension campaigns run by real Celery workers: killed mid-way, published twice, undone.

Each test starts its own redis-server and worker subprocesses on this test's
database (tests/celery_worker.py). The workers run campaigns in batches of
100 loans, so that a few hundred loans make several batches.

To stop a worker at a known point, the test holds a row lock on one loan from
a connection of its own, as a desk transaction would: the worker's batch waits
for that loan while the campaign row stays locked, and the test sees it wait
in `pg_blocking_pids()`.
"""

import contextlib
import datetime
import re
import signal
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection
from django.utils import dateformat, timezone, translation

from accounts.models import User
from catalog.models import Item, Record
from notifications.models import Notification
from reservations.campaigns import run_campaign_batches, start_campaign, start_undo
from reservations.models import ExtensionCampaign, ExtensionChange, Loan
from reservations.tasks import carry_on_campaign, resume_stalled_campaigns
from tests.celery_worker import (
    STARTUP_TIMEOUT,
    database_url_of_this_test,
    needs_redis_server,
    publishing_to,
    sent_emails,
    wait_for,
)
from tests.factories import (
    BranchFactory,
    DocumentTypeFactory,
    ExtensionCampaignFactory,
    ItemFactory,
    LoanFactory,
    PatronFactory,
    RecordFactory,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_redis_server,
    pytest.mark.usefixtures("postgresql_only"),
]

BATCH = 100  # loans per batch in the workers
FIVE_WEEKS = datetime.timedelta(weeks=5)
TITLE = re.compile(r"Document \d{5}")


# Data ------------------------------------------------------------------------------------------


def lend(*, patrons: int, loans_each: int) -> dict[User, list[Loan]]:
    """Lend `loans_each` documents to each of `patrons` new patrons; return their loans by patron.

    The loans of a patron are spread over the whole key range (hence over
    several batches) and due over the next four weeks. Rows are built by the
    factories and inserted in bulk.
    """
    branch = BranchFactory(hours=[])
    document_type = DocumentTypeFactory()
    readers = PatronFactory.create_batch(patrons, preferred_language="en")
    count = patrons * loans_each
    records = Record.objects.bulk_create(
        RecordFactory.build(document_type=document_type, title=f"Document {n:05d}")
        for n in range(count)
    )
    items = Item.objects.bulk_create(
        ItemFactory.build(record=record, branch=branch, status=Item.Status.ON_LOAN)
        for record in records
    )
    today = timezone.localdate()
    loans = Loan.objects.bulk_create(
        LoanFactory.build(
            item=item, patron=readers[n % patrons], due_on=today + datetime.timedelta(days=n % 28)
        )
        for n, item in enumerate(items)
    )
    return {reader: loans[i::patrons] for i, reader in enumerate(readers)}


def all_loans(lent: dict[User, list[Loan]]) -> list[Loan]:
    return sorted((loan for loans in lent.values() for loan in loans), key=lambda loan: loan.pk)


def started_campaign(*, notify_patrons: bool = True) -> ExtensionCampaign:
    """Start a campaign pushing back every current loan by 5 weeks."""
    campaign = ExtensionCampaignFactory(notify_patrons=notify_patrons)
    return start_campaign(campaign=campaign, by=None)


# Locks seen from the database ------------------------------------------------------------------


@contextlib.contextmanager
def loan_held(loan: Loan) -> Iterator[int]:
    """Hold the loan's row lock in a transaction of another connection; yield its backend pid."""
    with psycopg.connect(database_url_of_this_test()) as desk:
        try:
            pid = desk.execute("SELECT pg_backend_pid()").fetchone()[0]
            desk.execute(
                f"SELECT id FROM {Loan._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
                [loan.pk],
            )
            yield pid
        finally:
            desk.rollback()


def waiting_for(pid: int) -> list[int]:
    """Return the database sessions waiting for a lock that session `pid` holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid]
        )
        return [row[0] for row in cursor.fetchall()]


def session_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


# Outcomes --------------------------------------------------------------------------------------


def due_dates() -> dict[int, datetime.date]:
    return dict(Loan.objects.values_list("pk", "due_on"))


def extended_loans(loans: list[Loan]) -> set[int]:
    """Return the keys of the loans moved by five weeks; fail if any moved otherwise."""
    now = due_dates()
    extended = {loan.pk for loan in loans if now[loan.pk] == loan.due_on + FIVE_WEEKS}
    moved_otherwise = {
        loan.pk for loan in loans if loan.pk not in extended and now[loan.pk] != loan.due_on
    }
    assert not moved_otherwise, f"{len(moved_otherwise)} loans moved by something else than 5 weeks"
    return extended


def campaign_finished(campaign: ExtensionCampaign) -> bool:
    campaign.refresh_from_db()
    return campaign.status == ExtensionCampaign.Status.DONE and (
        campaign.notified_at is not None or not campaign.notify_patrons
    )


def emails_sent(campaign: ExtensionCampaign) -> int:
    return Notification.objects.filter(
        dedup_key__startswith=f"campaign:{campaign.pk}:", status=Notification.Status.SENT
    ).count()


def assert_every_loan_extended_once(campaign: ExtensionCampaign, loans: list[Loan]) -> None:
    campaign.refresh_from_db()
    assert extended_loans(loans) == {loan.pk for loan in loans}
    assert ExtensionChange.objects.filter(campaign=campaign).count() == len(loans)
    assert campaign.rows_done == campaign.rows_total == len(loans)


def as_written(day: datetime.date) -> str:
    with translation.override("en"):
        return dateformat.format(day, "l j F Y")


def assert_one_email_per_patron(outbox_dir, lent: dict[User, list[Loan]]) -> None:
    """Check each patron got one e-mail listing their documents, with the new dates."""
    emails = sent_emails(outbox_dir)
    assert sorted(message["To"] for message in emails) == sorted(p.email for p in lent)
    by_recipient = {message["To"]: message for message in emails}
    for patron, loans in lent.items():
        message = by_recipient[patron.email]
        assert message["Subject"] == f"New due dates for your {len(loans)} loans"
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert sorted(TITLE.findall(body)) == sorted(loan.item.record.title for loan in loans)
        for loan in loans:
            new, old = as_written(loan.due_on + FIVE_WEEKS), as_written(loan.due_on)
            assert f"now due back on {new} instead of {old}" in body


# Tests -----------------------------------------------------------------------------------------


def test_a_worker_killed_between_batches_is_resumed_by_the_sweeper(
    private_redis, start_worker, outbox_dir
):
    private_redis.start()
    worker = start_worker(private_redis.url, campaign_batch_size=BATCH)  # boots meanwhile
    lent = lend(patrons=8, loans_each=40)
    loans = all_loans(lent)
    campaign = started_campaign()

    with publishing_to(private_redis.url):
        with loan_held(loans[BATCH + BATCH // 2]) as desk:  # in the middle of the second batch
            carry_on_campaign.delay(campaign.pk)
            [killed_session] = wait_for(
                lambda: waiting_for(desk),
                what="the worker's second batch to wait for the held loan",
                timeout=STARTUP_TIMEOUT,
            )
            campaign.refresh_from_db()
            assert campaign.rows_done == BATCH

            worker.send_signal(signal.SIGKILL)
            assert worker.wait(timeout=5) == -signal.SIGKILL
            start_worker(private_redis.url, campaign_batch_size=BATCH)  # boots meanwhile
        # The lock is released: the dead worker's session finishes its statement,
        # cannot commit without its client, and ends.
        wait_for(
            lambda: not session_alive(killed_session),
            what="the killed worker's database session to end",
        )
        campaign.refresh_from_db()
        assert campaign.status == ExtensionCampaign.Status.RUNNING
        assert campaign.rows_done == BATCH
        assert ExtensionChange.objects.filter(campaign=campaign).count() == BATCH
        assert extended_loans(loans) == {loan.pk for loan in loans[:BATCH]}
        assert not Notification.objects.exists()
        lost_messages = private_redis.pending_messages()  # the dead worker's, unacknowledged

        resume_stalled_campaigns.delay(0)
        wait_for(
            lambda: campaign_finished(campaign),
            what="the new worker to finish the campaign the sweeper resumed",
            timeout=STARTUP_TIMEOUT,
        )
        wait_for(lambda: emails_sent(campaign) == len(lent), what="one e-mail per patron")
        # A late copy of the task (an operator's "resume") changes nothing.
        carry_on_campaign.delay(campaign.pk)
        wait_for(
            lambda: private_redis.pending_messages() == lost_messages,
            what="the new worker to drain the queue",
        )

    assert_every_loan_extended_once(campaign, loans)
    assert campaign.notifications_queued == len(lent)
    assert_one_email_per_patron(outbox_dir, lent)


def test_the_task_published_twice_at_once_extends_every_loan_once(
    private_redis, start_worker, outbox_dir
):
    private_redis.start()
    start_worker(private_redis.url, campaign_batch_size=BATCH)
    start_worker(private_redis.url, campaign_batch_size=BATCH)
    lent = lend(patrons=6, loans_each=50)
    loans = all_loans(lent)
    campaign = started_campaign()

    with publishing_to(private_redis.url):
        with loan_held(loans[BATCH + BATCH // 2]) as desk:
            carry_on_campaign.delay(campaign.pk)
            carry_on_campaign.delay(campaign.pk)
            # Both tasks run at once: one in its second batch, waiting for the
            # loan; the other waiting for the campaign row that batch holds.
            [first] = wait_for(
                lambda: waiting_for(desk),
                what="a worker to wait for the held loan",
                timeout=STARTUP_TIMEOUT,
            )
            wait_for(
                lambda: waiting_for(first),
                what="the other worker to wait for the campaign",
                timeout=STARTUP_TIMEOUT,
            )
        wait_for(lambda: campaign_finished(campaign), what="the campaign to finish")
        wait_for(lambda: emails_sent(campaign) == len(lent), what="one e-mail per patron")
        wait_for(
            lambda: private_redis.pending_messages() == 0, what="the workers to drain the queue"
        )

    assert_every_loan_extended_once(campaign, loans)
    assert_one_email_per_patron(outbox_dir, lent)


def test_a_worker_undoes_a_campaign(private_redis, start_worker):
    private_redis.start()
    start_worker(private_redis.url, campaign_batch_size=BATCH)
    lent = lend(patrons=5, loans_each=60)
    loans = all_loans(lent)
    campaign = started_campaign(notify_patrons=False)
    run_campaign_batches(campaign_id=campaign.pk, batch_size=BATCH)
    assert extended_loans(loans) == {loan.pk for loan in loans}
    campaign = start_undo(campaign=campaign, by=None)

    with publishing_to(private_redis.url):
        carry_on_campaign.delay(campaign.pk)
        wait_for(
            lambda: ExtensionCampaign.objects.get(pk=campaign.pk).status == "undone",
            what="the worker to undo the campaign",
            timeout=STARTUP_TIMEOUT,
        )

    campaign.refresh_from_db()
    assert due_dates() == {loan.pk: loan.due_on for loan in loans}
    assert campaign.rows_undone == len(loans)
    assert ExtensionChange.objects.filter(campaign=campaign).count() == len(loans)
