"""Benchmark the staff pages (queue, pull list, dashboard) at network scale on PostgreSQL.

Run from the project root:

    .venv/bin/python bench/staff.py              # seeds a scratch database first
    .venv/bin/python bench/staff.py --reuse      # reuses it if it already holds the orders

It (re)creates the scratch database, migrates it and runs
``manage.py seed_demo --records N`` in child processes (the catalogue, branches
and people), then, in this process, loads the staff side's workload with COPY:
10,000 open orders (submitted or preparing, 1 to 5 lines each, each line holding
its own copy, set to "held") across the network, 1,000 of them at the branch
with the most copies, one patron each; and 30 days of history (orders made
ready, collected, a few cancelled or expired) for the dashboard. VACUUM ANALYZE.

Then it signs in (force_login) as a librarian of the busy branch and as a
network admin and requests each page through Django's test client, a few times
to warm up and then --requests times: the whole view is timed (middleware,
queries, template), and beside it the time spent in SQL by the same request
(``connection.execute_wrapper``) and the number of queries. It prints
p50/p95/max per page and checks the target: p95 of each page under 150 ms.
"""

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict

import psycopg
from psycopg import sql
from scratch import (
    SERVER_URL,
    bench_environment,
    percentile,
    seed_unless_reused,
    setup_django,
)

TARGET_P95_MS = 150.0
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
BENCH_CARD_PREFIX = "B"  # card numbers of the patrons this benchmark adds
RESERVATION_COLUMNS = (
    "reference",
    "patron_id",
    "branch_id",
    "channel",
    "status",
    "submitted_at",
    "processing_deadline",
    "prepared_by_id",
    "preparing_at",
    "ready_at",
    "pickup_deadline",
    "collected_at",
    "cancelled_at",
    "cancel_reason",
    "expired_at",
)


def main() -> None:
    arguments = parse_arguments()
    environment = bench_environment(arguments.server, arguments.database)
    reuse = seed_unless_reused(
        arguments,
        environment,
        "SELECT count(*) FROM reservations_reservation WHERE status IN ('submitted', 'preparing')",
    )
    setup_django(environment)
    from django.conf import settings
    from django.test.utils import override_settings, setup_test_environment

    if not reuse:
        load_orders(arguments)
    setup_test_environment()
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, SECURE_SSL_REDIRECT=False):
        measure(arguments)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=10_000, help="open orders in the network")
    parser.add_argument("--busy", type=int, default=1_000, help="open orders at the busy branch")
    parser.add_argument(
        "--history", type=int, default=1_500, help="orders received per day over 30 days"
    )
    parser.add_argument("--requests", type=int, default=100, help="measured requests per page")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--database", default="cc_bench_staff")
    parser.add_argument("--server", default=SERVER_URL, help="PostgreSQL URL without database")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the scratch database if it holds the orders"
    )
    return parser.parse_args()


def new_references(count: int, rng: random.Random) -> list[str]:
    references: set[str] = set()
    while len(references) < count:
        references.add("CC-" + "".join(rng.choices(REFERENCE_ALPHABET, k=5)))
    return list(references)


def load_orders(arguments: argparse.Namespace) -> None:
    """Add the staff, the patrons, the open orders with their lines and the history."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from accounts.models import User
    from branches.models import Branch

    rng = random.Random(arguments.seed)
    started = time.perf_counter()
    now = datetime.datetime.now(datetime.UTC)
    branches = list(
        Branch.objects.filter(click_and_collect_enabled=True).values_list("pk", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT branch_id, count(*) FROM catalog_item WHERE status = 'available' "
            "AND branch_id = ANY(%s) GROUP BY branch_id ORDER BY count(*) DESC, branch_id",
            [branches],
        )
        busy = cursor.fetchone()[0]
    others = [pk for pk in branches if pk != busy]

    with transaction.atomic():
        librarian = User.objects.create_user(
            card_number="BENCH-LIB", password=None, is_staff=True, first_name="Bench"
        )
        librarian.groups.set(Group.objects.filter(name="librarian"))
        librarian.branches.set([busy])
        admin = User.objects.create_user(
            card_number="BENCH-ADMIN", password=None, is_staff=True, first_name="Bench"
        )
        admin.groups.set(Group.objects.filter(name="network admin"))
        unusable = make_password(None)  # the patrons never sign in here
        patrons = User.objects.bulk_create(
            User(
                card_number=f"{BENCH_CARD_PREFIX}{n:09d}",
                first_name="Patron",
                last_name=f"n°{n}",
                email=f"bench{n}@example.org",
                password=unusable,
                membership_expires_on=now.date() + datetime.timedelta(days=365),
            )
            for n in range(arguments.open)
        )
    patron_ids = [patron.pk for patron in patrons]

    # Copies on the shelf, by branch, shuffled: each line takes its own.
    shelves: dict[int, list[tuple[int, int]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT branch_id, id, record_id FROM catalog_item WHERE status = 'available'"
        )
        for branch_id, item_id, record_id in cursor.fetchall():
            shelves[branch_id].append((item_id, record_id))
    for shelf in shelves.values():
        rng.shuffle(shelf)

    references = iter(new_references(arguments.open + 31 * arguments.history + 1000, rng))
    open_rows, open_lines = [], {}
    for n in range(arguments.open):
        branch = busy if n < arguments.busy else rng.choice(others)
        submitted = now - datetime.timedelta(minutes=rng.randint(5, 72 * 60))
        deadline = submitted + datetime.timedelta(hours=rng.choice((24, 48)))
        preparing = rng.random() < 0.2
        reference = next(references)
        open_rows.append(
            (
                reference,
                patron_ids[n],
                branch,
                "web",
                "preparing" if preparing else "submitted",
                submitted,
                deadline,
                librarian.pk if preparing else None,
                submitted + datetime.timedelta(hours=1) if preparing else None,
                None,
                None,
                None,
                None,
                "",
                None,
            )
        )
        lines, records = [], set()
        for _ in range(rng.randint(1, 5)):
            shelf = shelves[branch]
            while shelf:
                item_id, record_id = shelf.pop()
                if record_id not in records:
                    break
            else:
                break
            records.add(record_id)
            status = "picked" if preparing and rng.random() < 0.5 else "allocated"
            lines.append((record_id, item_id, status))
        open_lines[reference] = lines

    history_rows = []
    weights = {busy: 10, **dict.fromkeys(others, 1)}
    population, cumulative = list(weights), list(weights.values())
    for back in range(30):
        day = now - datetime.timedelta(days=back)
        for branch in rng.choices(population, cumulative, k=arguments.history):
            submitted = day - datetime.timedelta(minutes=rng.randint(0, 24 * 60))
            deadline = submitted + datetime.timedelta(hours=24)
            if submitted > now - datetime.timedelta(hours=3):
                continue  # still open: the open orders above stand for those
            ready_at = submitted + datetime.timedelta(hours=rng.uniform(1, 40))
            ready_at = min(ready_at, now - datetime.timedelta(minutes=1))
            pickup = ready_at + datetime.timedelta(days=7)
            outcome = rng.random()
            status = (
                "ready" if pickup > now and outcome < 0.6 else
                "cancelled" if outcome > 0.97 else
                "expired" if outcome > 0.94 and pickup < now else
                "collected"
            )  # fmt: skip
            if status == "cancelled":
                ready_at = pickup = None
            collected = (
                ready_at + datetime.timedelta(days=rng.uniform(0.1, 6)) if ready_at else None
            )
            history_rows.append(
                (
                    next(references),
                    rng.choice(patron_ids),
                    branch,
                    "web",
                    status,
                    submitted,
                    deadline,
                    librarian.pk,
                    submitted + datetime.timedelta(minutes=30),
                    ready_at,
                    pickup,
                    min(collected, now) if status == "collected" else None,
                    submitted + datetime.timedelta(hours=2) if status == "cancelled" else None,
                    "bench" if status == "cancelled" else "",
                    pickup if status == "expired" else None,
                )
            )

    copy_started = time.perf_counter()
    raw = connection.connection  # psycopg's own connection, for COPY
    with transaction.atomic(), raw.cursor() as cursor:
        columns = sql.SQL(", ").join(map(sql.Identifier, RESERVATION_COLUMNS))
        statement = sql.SQL("COPY reservations_reservation ({}) FROM STDIN").format(columns)
        with cursor.copy(statement) as copy:
            for row in (*open_rows, *history_rows):
                copy.write_row(row)
        cursor.execute(
            "SELECT reference, id FROM reservations_reservation WHERE status IN "
            "('submitted', 'preparing')"
        )
        ids = dict(cursor.fetchall())
        line_count = 0
        with cursor.copy(
            "COPY reservations_reservationline (reservation_id, record_id, item_id, status) "
            "FROM STDIN"
        ) as copy:
            for reference, lines in open_lines.items():
                for record_id, item_id, status in lines:
                    copy.write_row((ids[reference], record_id, item_id, status))
                    line_count += 1
        cursor.execute(
            "UPDATE catalog_item SET status = 'held' FROM reservations_reservationline AS line "
            "WHERE line.item_id = catalog_item.id AND line.status IN ('allocated', 'picked')"
        )
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as maintenance:
        maintenance.execute("VACUUM ANALYZE")
    print(
        f"  {len(open_rows):,} open orders ({arguments.busy:,} at branch {busy}), "
        f"{line_count:,} lines, {len(history_rows):,} orders of history, "
        f"{len(patron_ids):,} patrons: {time.perf_counter() - started:.1f} s "
        f"(COPY and commit {time.perf_counter() - copy_started:.1f} s)",
        flush=True,
    )


def measure(arguments: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from accounts.models import User

    librarian = User.objects.get(card_number="BENCH-LIB")
    admin = User.objects.get(card_number="BENCH-ADMIN")
    busy = librarian.branches.get()
    pages = []
    for name, query in (
        ("queue", ""),
        ("pull_list", f"?branch={busy.pk}"),
        ("dashboard", ""),
        ("dashboard_csv", ""),
    ):
        try:
            pages.append((name, reverse(f"staff:{name}") + query))
        except NoReverseMatch:
            print(f"  staff:{name} does not exist yet: not measured")

    sql_seconds, sql_count = 0.0, 0

    def timed(execute, statement, params, many, context):
        nonlocal sql_seconds, sql_count
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql_seconds += time.perf_counter() - started
            sql_count += 1

    results = []
    for who, user in (("librarian", librarian), ("network admin", admin)):
        client = Client()
        client.force_login(user)
        for _name, url in pages:
            for _ in range(5):
                client.get(url, secure=True)
            views, sqls, counts, size = [], [], set(), 0
            with connection.execute_wrapper(timed):
                for _ in range(arguments.requests):
                    sql_seconds, sql_count = 0.0, 0
                    started = time.perf_counter()
                    response = client.get(url, secure=True)
                    views.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        sys.exit(f"{who} {url}: HTTP {response.status_code}")
                    sqls.append(sql_seconds * 1000)
                    counts.add(sql_count)
                    size = len(response.content)
            results.append((who, url, views, sqls, counts, size))
    report(arguments, busy, results)


def report(arguments, busy, results) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE status IN ('submitted', 'preparing')), "
            "count(*) FILTER (WHERE status IN ('submitted', 'preparing') AND branch_id = %s), "
            "count(*) FROM reservations_reservation",
            [busy.pk],
        )
        open_orders, busy_orders, all_orders = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM reservations_reservationline")
        lines = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM catalog_record")
        records = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    print()
    print(
        f"Staff pages, {open_orders:,} open orders ({busy_orders:,} at {busy.name}), "
        f"{all_orders:,} orders in all, {lines:,} lines, {records:,} records"
    )
    print(
        f"  machine  {platform.node()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, PostgreSQL {server}, load average "
        f"{os.getloadavg()[0]:.1f}; {arguments.requests} requests per page"
    )
    print()
    print(
        f"  {'who':<14}{'page':<34}{'view p50':>9}{'p95':>8}{'max':>8}"
        f"{'SQL p50':>9}{'p95':>8}{'queries':>9}{'KiB':>7}"
    )
    worst = 0.0
    for who, url, views, sqls, counts, size in results:
        p95 = percentile(views, 0.95)
        worst = max(worst, p95)
        print(
            f"  {who:<14}{url:<34}{statistics.median(views):>9.1f}{p95:>8.1f}{max(views):>8.1f}"
            f"{statistics.median(sqls):>9.1f}{percentile(sqls, 0.95):>8.1f}"
            f"{'/'.join(map(str, sorted(counts))):>9}{size / 1024:>7.0f}"
        )
    verdict = "met" if worst < TARGET_P95_MS else "MISSED"
    print()
    print(f"  target: p95 of every page < {TARGET_P95_MS:.0f} ms: {verdict} (worst {worst:.1f} ms)")


if __name__ == "__main__":
    main()
