"""Benchmark an extension campaign over a million current loans on PostgreSQL.

Run from the project root:

    .venv/bin/python bench/campaign.py                      # seeds cc_bench_campaign first
    .venv/bin/python bench/campaign.py --batch-size 2000 5000 20000
    .venv/bin/python bench/campaign.py --reuse --keep       # reuses a database kept earlier

It (re)creates the scratch database, migrates it and seeds it in child processes
with ``manage.py seed_demo --records N --copies K --patrons P --loans L``, then,
for each batch size, one after the other:

1. baseline: one hand-written ``UPDATE reservations_loan SET due_on = due_on + 35
   WHERE returned_at IS NULL``, committed, through psycopg;
2. the real campaign (an ExtensionCampaign on loans, 5 weeks, no e-mails:
   ``start_campaign`` then ``run_campaign_batches`` in this process), timed
   from start to done; then its undo (``undo_campaign``), timed;
3. the same campaign and undo again while load processes submit reservations
   through ``submit_reservation``, each on its own connection, a few seconds
   before the campaign (the machine's own latency) and all through it; the
   load's backends are sampled in ``pg_stat_activity`` for lock waits.

Then EXPLAIN (ANALYZE, BUFFERS) of a campaign batch (first and middle) and of
an undo batch, rolled back, each with the time of the foreign-key checks it
leaves for the commit.

Before each measurement the campaign's change rows are deleted, the loan
table rewritten (VACUUM FULL), analysed and checkpointed: every measurement
starts from the same packed table and pays for no other's dead rows or dirty
pages (bench/README.md says why). Each campaign is compared with the baseline
measured just before it, the machine being shared.

Targets: the campaign under 60 s and under 2x the baseline; no submission
blocked for more than a second.
"""

import argparse
import datetime
import multiprocessing
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from scratch import PROJECT_DIR, SERVER_URL, bench_environment, count_in, percentile, setup_django

TARGET_SECONDS = 60.0
TARGET_RATIO = 2.0
TARGET_MAX_LATENCY = 1.0
SHIFT_DAYS = 35  # the campaign's 5 weeks
# Orders each load process may place per loaded run; a run of 2 minutes at 10/s needs 1,200.
ORDERS_PER_WORKER_AND_RUN = 2_000
UNDO_PLANS: list[tuple[str, str]] = []
LOAD_APPLICATION_NAME = "cc_bench_load"
CHECKSUM = (
    "SELECT count(*), coalesce(sum(due_on - DATE '2000-01-01'), 0) "
    "FROM reservations_loan WHERE returned_at IS NULL"
)


@dataclass
class Measure:
    """One measured run."""

    label: str
    batch_size: int | None
    seconds: float
    baseline: float | None = None  # the baseline measured just before
    undo_seconds: float | None = None
    batches: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # during the campaign
    idle_latencies: list[float] = field(default_factory=list)  # load alone, just before
    errors: int = 0
    first_error: str = ""
    waits: Counter = field(default_factory=Counter)  # what the load's backends were waiting on
    wal_bytes: int = 0  # WAL written from start to done (other databases' included)
    checkpoints: int = 0  # checkpoints that started meanwhile
    load: float = field(default_factory=lambda: os.getloadavg()[0])  # when it ended


def main() -> None:
    arguments = parse_arguments()
    database_url = f"{arguments.server}/{arguments.database}"
    environment = bench_environment(arguments.server, arguments.database)
    loans = count_in(
        arguments.server,
        arguments.database,
        "SELECT count(*) FROM reservations_loan WHERE returned_at IS NULL",
    )
    reuse = arguments.reuse and loans >= arguments.loans
    if reuse:
        print(f"Scratch database {arguments.database}: reused, {loans:,} current loans", flush=True)
    else:
        create_database(arguments.server, arguments.database)
    # Also on a reused database: the migrations may have moved on since it was kept.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=PROJECT_DIR,
        env=environment,
        check=True,
    )
    if not reuse:
        seed(arguments, environment)
    setup_django(environment)
    from django.db import connection

    loans, _dates = checksum(database_url)
    restore(database_url)

    tasks = order_tasks(arguments, runs=len(arguments.batch_size))
    measures = []
    for run, batch_size in enumerate(arguments.batch_size):
        baseline = measure_baseline(database_url)
        measures.append(baseline)
        slices = [
            tasks[run * arguments.load_workers + worker] for worker in range(arguments.load_workers)
        ]
        for workers in (None, slices):
            measure = measure_campaign(arguments, database_url, batch_size, workers=workers)
            measure.baseline = baseline.seconds
            measures.append(measure)
    plans = explain_batches(arguments.batch_size[0]) + UNDO_PLANS
    load = os.getloadavg()
    server = postgresql_version()
    if not arguments.keep:
        connection.close()
        drop_database(arguments.server, arguments.database)
    print_report(arguments, loans, measures, plans, load=load, server=server)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=350_000)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--patrons", type=int, default=200_000)
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument(
        "--batch-size",
        type=int,
        nargs="+",
        default=[5000],
        help="rows per campaign transaction; several sizes are measured one after the other",
    )
    parser.add_argument(
        "--load-workers", type=int, default=2, help="processes submitting reservations"
    )
    parser.add_argument(
        "--think-ms", type=float, default=100.0, help="pause of each load process between orders"
    )
    parser.add_argument(
        "--idle-seconds", type=float, default=5.0, help="load alone before each loaded campaign"
    )
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--database", default="cc_bench_campaign")
    parser.add_argument("--server", default=SERVER_URL, help="PostgreSQL URL without database")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the scratch database if it holds the loans"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args()


# The scratch database ---------------------------------------------------------------------------


def create_database(server: str, database: str) -> None:
    """Drop and create the scratch database."""
    print(f"Scratch database {database}: creating, migrating, seeding...", flush=True)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        name = sql.Identifier(database)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def seed(arguments: argparse.Namespace, environment: dict[str, str]) -> None:
    """Seed the migrated scratch database with the network and its loans."""
    command = [
        "manage.py",
        "seed_demo",
        f"--records={arguments.records}",
        f"--copies={arguments.copies}",
        f"--patrons={arguments.patrons}",
        f"--loans={arguments.loans}",
        f"--seed={arguments.seed}",
    ]
    print("  " + " ".join(command), flush=True)
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, *command],
        cwd=PROJECT_DIR,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    summary = output.split("Sign in with:")[0].splitlines()
    for line in summary[summary.index(next(s for s in summary if "seeded in" in s)) :]:
        print("  " + line.strip(), flush=True)
    print(f"  seeded in {time.perf_counter() - started:.0f} s (wall, whole command)", flush=True)


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def checksum(database_url: str) -> tuple[int, int]:
    """Return the number of current loans and the sum of their due dates (days)."""
    with psycopg.connect(database_url) as connection:
        return connection.execute(CHECKSUM).fetchone()


def wal_position(database_url: str) -> tuple[str, int]:
    """Return the current WAL position and the number of checkpoints so far."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        return connection.execute(
            "SELECT pg_current_wal_lsn()::text, checkpoints_timed + checkpoints_req "
            "FROM pg_stat_bgwriter"
        ).fetchone()


def wal_since(database_url: str, since: tuple[str, int]) -> tuple[int, int]:
    """Return the WAL bytes written and the checkpoints started since a position."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        return connection.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)::bigint, "
            "checkpoints_timed + checkpoints_req - %s FROM pg_stat_bgwriter",
            list(since),
        ).fetchone()


def restore(database_url: str) -> None:
    """Forget the campaigns, repack the loan table, analyse and checkpoint.

    VACUUM FULL rewrites the loan table and its indexes without the dead rows
    the last measurement left, so that every measurement starts from the same
    packed table; ANALYZE refreshes the statistics; CHECKPOINT writes the dirty
    pages now rather than during the next measurement. The due dates are not
    put back: each measurement moves every current loan, whatever its date.
    """
    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("TRUNCATE reservations_extensionchange")
        connection.execute("DELETE FROM reservations_extensioncampaign")
        connection.execute("VACUUM FULL reservations_loan")
        connection.execute(
            "VACUUM (ANALYZE) reservations_loan, reservations_extensionchange, "
            "reservations_extensioncampaign, catalog_item, reservations_reservation, "
            "reservations_reservationline"
        )
        connection.execute("CHECKPOINT")
    print(f"  repacked and checkpointed in {time.perf_counter() - started:.0f} s", flush=True)


# Measurements ---------------------------------------------------------------------------------


def measure_baseline(database_url: str) -> Measure:
    """Time one hand-written UPDATE of every current loan, committed."""
    before = checksum(database_url)
    print(f"baseline: one UPDATE of the {before[0]:,} current loans...", flush=True)
    position = wal_position(database_url)
    with psycopg.connect(database_url) as connection:
        started = time.perf_counter()
        connection.execute(
            "UPDATE reservations_loan SET due_on = due_on + %s WHERE returned_at IS NULL",
            [SHIFT_DAYS],
        )
        connection.commit()
        seconds = time.perf_counter() - started
    measure = Measure(label="baseline", batch_size=None, seconds=seconds)
    measure.wal_bytes, measure.checkpoints = wal_since(database_url, position)
    after = checksum(database_url)
    assert after == (before[0], before[1] + SHIFT_DAYS * before[0]), (before, after)
    print(f"  {seconds:.1f} s", flush=True)
    restore(database_url)
    return measure


def measure_campaign(
    arguments: argparse.Namespace,
    database_url: str,
    batch_size: int,
    *,
    workers: list[list[tuple]] | None,
) -> Measure:
    """Time a campaign over every current loan and its undo, with or without the load."""
    from reservations.campaigns import run_campaign_batches, start_campaign, undo_campaign
    from reservations.models import ExtensionCampaign

    loaded = workers is not None
    label = f"campaign, batches of {batch_size:,}" + (" + load" if loaded else "")
    before = checksum(database_url)
    print(f"{label}...", flush=True)
    load = Load(workers, think=arguments.think_ms / 1000) if loaded else None
    if load:
        load.start()
        time.sleep(arguments.idle_seconds)
        sampler = WaitSampler(database_url)
        sampler.start()
    campaign = ExtensionCampaign.objects.create(
        kind=ExtensionCampaign.Kind.LOANS,
        name=f"Bench {label}",
        shift_amount=SHIFT_DAYS // 7,
        shift_unit=ExtensionCampaign.Unit.WEEKS,
        notify_patrons=False,
    )
    batch_ends = []
    position = wal_position(database_url)
    campaign_started = time.monotonic()
    started = time.perf_counter()
    start_campaign(campaign=campaign, by=None)
    batches_started = time.perf_counter()
    run_campaign_batches(
        campaign_id=campaign.pk,
        batch_size=batch_size,
        on_progress=lambda _campaign: batch_ends.append(time.perf_counter()),
    )
    seconds = time.perf_counter() - started
    campaign_ended = time.monotonic()
    measure = Measure(label=label, batch_size=batch_size, seconds=seconds)
    measure.wal_bytes, measure.checkpoints = wal_since(database_url, position)
    if load:
        measure.waits = sampler.stop()
        results = load.stop()
        for started_at, latency, error in results:
            if error:
                measure.errors += 1
                measure.first_error = measure.first_error or error
            elif started_at < campaign_started:
                measure.idle_latencies.append(latency)
            elif started_at <= campaign_ended:
                measure.latencies.append(latency)
    campaign.refresh_from_db()
    after = checksum(database_url)
    assert campaign.rows_done == before[0] == after[0], (campaign.rows_done, before, after)
    assert after[1] == before[1] + SHIFT_DAYS * before[0], (before, after)
    measure.batches = [
        end - start for start, end in zip([batches_started, *batch_ends], batch_ends, strict=False)
    ]
    if not loaded and not UNDO_PLANS:
        # Before the undo is timed: its first batch, twice over and rolled back.
        from reservations import campaigns

        UNDO_PLANS.append(
            (
                "undo, first batch",
                explain(lambda: campaigns.undo._undo_batch_postgresql(campaign, batch_size)),
            )
        )
    print(f"  {seconds:.1f} s, {len(measure.batches)} batches; undoing...", flush=True)

    started = time.perf_counter()
    undo_campaign(campaign=campaign, by=None, batch_size=batch_size)
    measure.undo_seconds = time.perf_counter() - started
    assert checksum(database_url) == before
    print(f"  undone in {measure.undo_seconds:.1f} s", flush=True)
    if load:
        print(
            f"  load: {len(measure.latencies)} orders during the campaign, "
            f"max {max(measure.latencies, default=0) * 1000:.0f} ms",
            flush=True,
        )
    restore(database_url)
    return measure


def explain_batches(batch_size: int) -> list[tuple[str, str]]:
    """Return EXPLAIN (ANALYZE, BUFFERS) of a campaign's first and middle batch, rolled back."""
    from reservations import campaigns
    from reservations.models import ExtensionCampaign, Loan

    campaign = ExtensionCampaign.objects.create(
        kind=ExtensionCampaign.Kind.LOANS,
        name="Bench EXPLAIN",
        shift_amount=SHIFT_DAYS // 7,
        shift_unit=ExtensionCampaign.Unit.WEEKS,
        notify_patrons=False,
    )
    campaigns.start_campaign(campaign=campaign, by=None)
    middle = Loan.objects.order_by("pk").values_list("pk", flat=True)[campaign.rows_total // 2]
    plans = []
    for where, last_key in (("campaign, first batch", 0), ("campaign, middle batch", middle)):
        campaign.last_key = last_key
        plans.append((where, explain(lambda: campaigns.runs._extend_batch(campaign, batch_size))))
    ExtensionCampaign.objects.filter(pk=campaign.pk).delete()
    return plans


def explain(call) -> str:
    """Return EXPLAIN (ANALYZE, BUFFERS) of the last statement ``call`` runs, all rolled back.

    Below the plan, the time of the foreign-key checks the statement left for
    the commit (``SET CONSTRAINTS ALL IMMEDIATE`` runs them).
    """
    from django.db import connection, transaction

    statements = []

    def capture(execute, sql_text, params, many, context):
        statements.append((sql_text, params))
        return execute(sql_text, params, many, context)

    with transaction.atomic():
        with connection.execute_wrapper(capture):
            call()
        transaction.set_rollback(True)
    sql_text, params = statements[-1]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql_text, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        started = time.perf_counter()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        checks = time.perf_counter() - started
        transaction.set_rollback(True)
    return f"{plan}\nDeferred foreign-key checks, run at commit: {checks * 1000:.0f} ms"


# The load: reservations submitted during the campaign ---------------------------------------------


def order_tasks(arguments: argparse.Namespace, *, runs: int) -> list[list[tuple]]:
    """Return, per load process and run, orders to place: (patron, branch, records).

    Each order takes copies on the shelf at one click & collect branch (one to
    three records) for its own patron, whose membership is valid and who has
    no order yet: no order is refused for a rule, each copy is taken once.
    """
    from django.db import connection

    rng = random.Random(arguments.seed)
    slices = runs * arguments.load_workers
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT i.branch_id, i.record_id FROM catalog_item i "
            "JOIN branches_branch b ON b.id = i.branch_id "
            "WHERE i.status = 'available' AND b.click_and_collect_enabled "
            "ORDER BY i.branch_id, i.record_id"
        )
        on_shelf = cursor.fetchall()
        cursor.execute(
            "SELECT u.id FROM accounts_user u WHERE NOT u.is_staff "
            "AND u.membership_expires_on >= CURRENT_DATE AND NOT EXISTS "
            "(SELECT 1 FROM reservations_reservation r WHERE r.patron_id = u.id) ORDER BY u.id"
        )
        patrons = [row[0] for row in cursor.fetchall()]
    by_branch = defaultdict(list)
    for branch_id, record_id in on_shelf:
        by_branch[branch_id].append(record_id)
    orders = []
    for branch_id, records in by_branch.items():
        rng.shuffle(records)
        while records:
            size = min(len(records), rng.choice((1, 1, 2, 3)))
            orders.append((branch_id, tuple(records[:size])))
            del records[:size]
    rng.shuffle(orders)
    rng.shuffle(patrons)
    needed = slices * ORDERS_PER_WORKER_AND_RUN
    orders = [
        (patron, branch, records)
        for patron, (branch, records) in zip(patrons, orders[:needed], strict=False)
    ]
    print(
        f"  {len(orders):,} orders ready for the load ({len(on_shelf):,} records on the shelf at "
        "click & collect branches)",
        flush=True,
    )
    return [orders[index::slices] for index in range(slices)]


class Load:
    """Processes that submit reservations one after the other, each on its own connection."""

    def __init__(self, workers: list[list[tuple]], *, think: float) -> None:
        context = multiprocessing.get_context("spawn")
        self.stop_event = context.Event()
        self.results = context.Queue()
        self.ready = context.Barrier(len(workers) + 1)
        self.processes = [
            context.Process(
                target=submit_orders,
                args=(
                    dict(os.environ),
                    orders,
                    think,
                    self.stop_event,
                    self.ready,
                    self.results,
                ),
                daemon=True,
            )
            for orders in workers
        ]

    def start(self) -> None:
        for process in self.processes:
            process.start()
        self.ready.wait(timeout=120)  # every process has warmed up

    def stop(self) -> list[tuple[float, float, str]]:
        self.stop_event.set()
        results = []
        for _process in self.processes:
            results.extend(self.results.get(timeout=120))
        for process in self.processes:
            process.join(timeout=30)
        return results


class WaitSampler(threading.Thread):
    """Count what the load's backends wait on, sampled every 20 ms in pg_stat_activity."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        self.database_url = database_url
        self.waits: Counter = Counter()
        self.stopping = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            while not self.stopping.wait(0.02):
                for wait_type, wait_event in connection.execute(
                    "SELECT wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE application_name = %s AND state = 'active'",
                    [LOAD_APPLICATION_NAME],
                ):
                    self.waits[f"{wait_type}:{wait_event}" if wait_type else "on CPU"] += 1

    def stop(self) -> Counter:
        self.stopping.set()
        self.join()
        return self.waits


def submit_orders(environment, orders, think, stop_event, ready, results) -> None:
    """Place the orders one by one until told to stop; send back (start, seconds, error)."""
    # The e-mails are queued to an in-memory broker that nobody reads, as a web
    # process hands them to Celery: sending them is not the submission's time.
    # PGAPPNAME names the connection for the sampler.
    setup_django(
        {
            **environment,
            "CELERY_BROKER_URL": "memory://localhost/",
            "PGAPPNAME": LOAD_APPLICATION_NAME,
        }
    )
    from accounts.models import User
    from branches.models import Branch
    from catalog.models import Record
    from reservations.exceptions import ReservationError
    from reservations.services import submit_reservation

    branches = Branch.objects.in_bulk()
    measured = []
    warm_up = 3
    for number, (patron_id, branch_id, record_ids) in enumerate(orders):
        if number == warm_up:
            ready.wait(timeout=120)
        elif number > warm_up and stop_event.is_set():
            break
        patron = User.objects.get(pk=patron_id)
        records = list(Record.objects.filter(pk__in=record_ids))
        started_at = time.monotonic()
        started = time.perf_counter()
        error = ""
        try:
            submit_reservation(patron=patron, branch=branches[branch_id], records=records)
        except ReservationError as refused:
            error = f"{type(refused).__name__}: {refused}"
        if number >= warm_up:
            measured.append((started_at, time.perf_counter() - started, error))
        time.sleep(think)
    results.put(measured)


def postgresql_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
        cursor.execute("SHOW shared_buffers")
        return f"PostgreSQL {version} (shared_buffers {cursor.fetchone()[0]})"


# Report -----------------------------------------------------------------------------------------


def print_report(
    arguments: argparse.Namespace,
    loans: int,
    measures: list[Measure],
    plans: list[tuple[str, str]],
    *,
    load: tuple[float, float, float],
    server: str,
) -> None:
    print()
    print("Extension campaign over every current loan (5 weeks, no e-mails)")
    print(
        f"  machine      {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {server}"
    )
    print(
        f"  date         {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end"
    )
    print(
        f"  data         {loans:,} current loans; seed_demo --records {arguments.records:,} "
        f"--copies {arguments.copies} --patrons {arguments.patrons:,} --loans {arguments.loans:,}"
    )
    print(
        f"  load         {arguments.load_workers} processes, {arguments.think_ms:.0f} ms between "
        f"orders, {arguments.idle_seconds:.0f} s alone before each loaded campaign"
    )
    print()
    header = (
        "| run | time | rows/s | x baseline | WAL | checkpoints | batch p50 | batch max | undo "
        "| orders | p50 | p99 | max | alone: p50 / max | load avg |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for m in measures:
        cells = [m.label, f"{m.seconds:.1f} s", f"{loans / m.seconds:,.0f}"]
        ratio = "1.00" if m.batch_size is None else f"{m.seconds / m.baseline:.2f}"
        cells += [ratio, f"{m.wal_bytes / 2**20:,.0f} MiB", str(m.checkpoints)]
        if m.batch_size is None:
            cells += [""] * 8
        else:
            cells += [
                f"{statistics.median(m.batches) * 1000:.0f} ms",
                f"{max(m.batches) * 1000:.0f} ms",
                f"{m.undo_seconds:.1f} s",
            ]
            if m.latencies:
                cells += [
                    str(len(m.latencies)),
                    f"{statistics.median(m.latencies) * 1000:.0f} ms",
                    f"{percentile(m.latencies, 0.99) * 1000:.0f} ms",
                    f"{max(m.latencies) * 1000:.0f} ms",
                    f"{statistics.median(m.idle_latencies) * 1000:.0f} / "
                    f"{max(m.idle_latencies) * 1000:.0f} ms"
                    if m.idle_latencies
                    else "",
                ]
            else:
                cells += [""] * 5
        print("| " + " | ".join([*cells, f"{m.load:.1f}"]) + " |")
    print()
    for m in measures:
        if m.batch_size is None:
            continue
        verdicts = [
            f"time {'met' if m.seconds < TARGET_SECONDS else 'MISSED'} (< {TARGET_SECONDS:.0f} s)",
            f"ratio {'met' if m.seconds / m.baseline < TARGET_RATIO else 'MISSED'} "
            f"(< {TARGET_RATIO:.0f}x the baseline just before)",
        ]
        if m.latencies:
            worst = max(m.latencies)
            verdicts.append(
                f"latency {'met' if worst < TARGET_MAX_LATENCY else 'MISSED'} (max < 1 s)"
            )
        print(f"  {m.label}: " + ", ".join(verdicts))
        if m.errors:
            print(f"    {m.errors} orders refused, the first: {m.first_error}")
        if m.waits:
            samples = sum(m.waits.values())
            seen = ", ".join(f"{name} {count}" for name, count in m.waits.most_common(6))
            locks = sum(count for name, count in m.waits.items() if name.startswith("Lock:"))
            print(
                f"    load backends sampled active {samples} times: {seen}; "
                f"waiting on a lock: {locks}"
            )
    for where, plan in plans:
        print()
        print(f"EXPLAIN (ANALYZE, BUFFERS), {where} of {arguments.batch_size[0]:,} rows:")
        print(plan)


if __name__ == "__main__":
    main()
