"""The lockdown rush: the whole stack under the mix of patrons a library network sees.

    .venv/bin/pip install -e '.[bench]'        # once: locust
    .venv/bin/python bench/rush.py             # seeds cc_bench_rush, then 60 s of rush
    .venv/bin/python bench/rush.py --reuse     # keeps the scratch database if it is seeded

On this machine, everything on loopback and on the same cores: a private
redis-server (broker and cache) on a free port, gunicorn with the production
settings (config/gunicorn.conf.py, DEBUG off, the tests' static files), one
Celery worker sending the e-mails to a dummy backend, PostgreSQL, and the load
generator (bench/rush_users.py: locust, headless, in its own process). The
simulated patrons search (7 in 10 tasks), open a record (2 in 10) or place an
order from sign-in to checkout as a patron not signed in yet (1 in 10).

After the run, once the worker has sent every e-mail queued, the database is
checked: no patron over the cap, no copy in two orders, exactly one
confirmation per order placed, and every order the patrons saw placed is in the
database once. Printed: requests/s, p50/p95/p99/max per endpoint and in all,
errors, CPU seconds per part of the stack, the checks, and the target (at
least 100 requests/s, p95 under 300 ms, no error).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from scratch import (
    PROJECT_DIR,
    SERVER_URL,
    bench_environment,
    free_port,
    seed_unless_reused,
    setup_django,
    wait_for,
)

TARGET_PER_SECOND = 100
TARGET_P95_MS = 300
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def main() -> None:
    arguments = parse_arguments()
    environment = bench_environment(arguments.server, arguments.database)
    seed_unless_reused(
        arguments,
        environment,
        "SELECT count(*) FROM accounts_user",
        seed_options=(f"--patrons={arguments.patrons}",),
    )
    subprocess.run(
        ["psql", f"{arguments.server}/{arguments.database}", "-qc", "VACUUM ANALYZE"],
        check=True,
    )
    setup_django(environment)
    with tempfile.TemporaryDirectory(prefix="rush-") as scratch:
        run(arguments, environment, Path(scratch))


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=90, help="simulated patrons at once")
    parser.add_argument("--duration", type=float, default=60, help="measured seconds")
    parser.add_argument("--warm-up", type=float, default=10, help="seconds before measuring")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--records", type=int, default=None, help="default: the real records")
    parser.add_argument("--patrons", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--database", default="cc_bench_rush")
    parser.add_argument("--server", default=SERVER_URL, help="PostgreSQL URL without database")
    parser.add_argument("--reuse", action="store_true", help="keep a seeded scratch database")
    parser.add_argument(
        "--search-cache",
        type=int,
        default=None,
        metavar="SECONDS",
        help="SEARCH_RESULTS_CACHE_SECONDS of the site (default: the setting's; 0: off)",
    )
    return parser.parse_args()


def run(arguments: argparse.Namespace, environment: dict[str, str], scratch: Path) -> None:
    from reservations.models import Reservation

    plan = build_plan(arguments.seed)
    (scratch / "plan.json").write_text(json.dumps(plan))
    last_order_before = Reservation.objects.order_by("-pk").values_list("pk", flat=True).first()
    stack = Stack(environment, scratch, arguments)
    try:
        stack.start()
        result, cpu = stack.rush(plan_path=scratch / "plan.json", out=scratch / "result.json")
        drained = stack.drain_outbox()
    finally:
        stack.stop()
    checks = check_database(last_order_before or 0, result["orders"]["placed"])
    report(arguments, plan, result, cpu, checks, drained)


def build_plan(seed: int) -> dict:
    """Return what the simulated patrons draw from: queries, records, cards."""
    import random

    from django.db.models import Count, Q
    from django.utils import timezone
    from search import build_queries

    from accounts.models import User
    from catalog.models import ItemStatus, Record
    from demo.people import PATRON_PASSWORD

    rng = random.Random(seed)
    today = timezone.localdate()
    on_shelf = Q(items__status=ItemStatus.AVAILABLE, items__branch__click_and_collect_enabled=True)
    orderable = (
        Record.objects.filter(document_type__reservable_online=True)
        .annotate(copies=Count("items", filter=on_shelf))
        .filter(copies__gte=1)
        .values_list("pk", "copies")
    )
    shelf = list(orderable)
    rng.shuffle(shelf)
    cards = list(
        User.objects.filter(
            is_staff=False,
            is_active=True,
            membership_expires_on__gte=today,
            reservations__isnull=True,
        ).values_list("card_number", flat=True)
    )
    rng.shuffle(cards)
    return {
        "queries": [query for _kind, query in build_queries(seed)],
        "records": list(Record.objects.values_list("pk", flat=True)[:50_000]),
        "orderable": [pk for pk, _copies in shelf[:5000]],
        # Titles with a single copy on the shelves: patrons race for them.
        "popular": [pk for pk, copies in shelf if copies == 1][:20],
        "cards": cards,
        "password": PATRON_PASSWORD,
    }


class Stack:
    """Redis, gunicorn and a Celery worker on loopback, for the length of one rush."""

    def __init__(self, environment: dict[str, str], scratch: Path, arguments):
        self.arguments = arguments
        self.scratch = scratch
        self.port = free_port()
        redis_port = free_port()
        self.environment = {
            **environment,
            "ALLOWED_HOSTS": "localhost",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "EMAIL_URL": "dummymail://",
            # nginx passes the patron's address (deploy/nginx/default.conf.template).
            "CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
            # The TLS proxy redirects to https itself; locust speaks plain HTTP to gunicorn.
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_ROOT": str(scratch / "static"),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(arguments.workers),
            **(
                {"SEARCH_RESULTS_CACHE_SECONDS": str(arguments.search_cache)}
                if arguments.search_cache is not None
                else {}
            ),
            # Connections kept for the whole run, so that each backend's CPU is counted.
            "CONN_MAX_AGE": "3600",
            "CELERY_SKIP_CHECKS": "1",
        }
        self.redis_port = redis_port
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        self._spawn(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--save", "", "--appendonly", "no"],
        )
        wait_for(self.redis_port, "redis-server")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=PROJECT_DIR,
            env=self.environment,
            check=True,
        )
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-c",
            "config/gunicorn.conf.py",
        ]
        if self.arguments.threads > 1:
            gunicorn += ["--threads", str(self.arguments.threads)]
        self._spawn("gunicorn", gunicorn)
        self._spawn(
            "worker",
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--pool", "solo", "--concurrency", "1", "--loglevel", "WARNING",
                "--without-heartbeat", "--without-gossip", "--without-mingle",
            ],
        )  # fmt: skip
        wait_for(self.port)
        with urllib.request.urlopen(f"http://localhost:{self.port}/healthz", timeout=10) as answer:
            if answer.status != 200:
                sys.exit(f"/healthz answered {answer.status}")

    def _spawn(self, name: str, command: list[str]) -> None:
        log = (self.scratch / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=self.environment, stdout=log, stderr=subprocess.STDOUT
        )

    def rush(self, *, plan_path: Path, out: Path) -> tuple[dict, dict]:
        """Run the load generator; return its result and the CPU each part used meanwhile."""
        users = subprocess.Popen(
            [
                sys.executable, "bench/rush_users.py",
                "--host", f"http://localhost:{self.port}",
                "--plan", str(plan_path), "--out", str(out),
                "--users", str(self.arguments.users),
                "--warm-up", str(self.arguments.warm_up),
                "--duration", str(self.arguments.duration),
                "--seed", str(self.arguments.seed),
            ],
            cwd=PROJECT_DIR,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.processes["load generator"] = users
        samples = []
        for line in users.stdout:
            if line.startswith("window "):  # the measured window starts, then ends
                samples.append(self.cpu_sample())
        if users.wait() != 0:
            sys.exit("the load generator failed")
        if len(samples) != 2:
            sys.exit("the load generator did not report its measured window")
        before, after = samples
        cpu = {part: after[part] - before.get(part, 0.0) for part in after if part != "backends"}
        # Per backend: one that connected during the window counts from zero.
        cpu["postgresql"] = sum(
            seconds - before["backends"].get(pid, 0.0) for pid, seconds in after["backends"].items()
        )
        return json.loads(out.read_text()), cpu

    def cpu_sample(self) -> dict:
        """Return the CPU seconds used so far by each part of the stack, and by the machine.

        PostgreSQL's are per backend ("backends": {pid: seconds}), since backends come
        and go; the stack's connections outlive the run (CONN_MAX_AGE) so none is missed.
        """
        from django.db import connection

        def seconds(pid: int) -> float:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return 0.0
            return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime

        def with_children(pid: int) -> float:
            children = Path(f"/proc/{pid}/task/{pid}/children")
            kids = [int(kid) for kid in children.read_text().split()] if children.exists() else []
            return seconds(pid) + sum(with_children(kid) for kid in kids)

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
            backends = [row[0] for row in cursor.fetchall()]
        sample = {
            name: with_children(process.pid)
            for name, process in self.processes.items()
            if name != "redis"
        }
        sample["redis"] = seconds(self.processes["redis"].pid)
        sample["backends"] = {pid: seconds(pid) for pid in backends}
        busy = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        sample["machine"] = (
            sum(int(value) for index, value in enumerate(busy) if index not in (3, 4)) / CLOCK_TICKS
        )
        return sample

    def drain_outbox(self, timeout: float = 120) -> float:
        """Wait until the worker has sent every e-mail queued; return how long it took."""
        from notifications.models import Notification

        started = time.monotonic()
        unsent = (Notification.Status.QUEUED, Notification.Status.SENDING)
        while Notification.objects.filter(status__in=unsent).exists():
            if time.monotonic() - started > timeout:
                break
            time.sleep(0.5)
        return time.monotonic() - started

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for name, process in self.processes.items():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                print(f"{name} did not stop in 30 s: killed")


def check_database(last_order_before: int, placed_cards: list[str]) -> dict[str, int]:
    """Count what must be zero after the rush: broken rules, lost or doubled orders."""
    from django.conf import settings
    from django.db.models import Count

    from notifications.models import Notification
    from reservations.models import (
        ACTIVE_STATUSES,
        HOLDING_LINE_STATUSES,
        Reservation,
        ReservationLine,
    )

    holding = ReservationLine.objects.filter(
        reservation__status__in=ACTIVE_STATUSES, status__in=HOLDING_LINE_STATUSES
    ).order_by()
    new_orders = Reservation.objects.filter(pk__gt=last_order_before)
    confirmations = dict(
        Notification.objects.filter(
            kind="reservation_received",
            dedup_key__in=[
                f"reservation_received:{pk}" for pk in new_orders.values_list("pk", flat=True)
            ],
        )
        .values_list("dedup_key")
        .annotate(n=Count("pk"))
        .values_list("dedup_key", "n")
    )
    orders_per_card = dict(
        new_orders.values_list("patron__card_number")
        .annotate(n=Count("pk"))
        .values_list("patron__card_number", "n")
    )
    placed = set(placed_cards)
    return {
        "orders placed in the run": new_orders.count(),
        "patrons over the cap": holding.values("reservation__patron")
        .annotate(n=Count("pk"))
        .filter(n__gt=settings.MAX_ACTIVE_ITEMS)
        .count(),
        "copies in two orders": holding.exclude(item=None)
        .values("item")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "orders without exactly one confirmation": sum(
            confirmations.get(f"reservation_received:{pk}", 0) != 1
            for pk in new_orders.values_list("pk", flat=True)
        ),
        "confirmations not sent": Notification.objects.filter(
            kind="reservation_received",
            dedup_key__in=confirmations.keys(),
        )
        .exclude(status=Notification.Status.SENT)
        .count(),
        "orders seen placed, not in the database once": sum(
            orders_per_card.get(card, 0) != 1 for card in placed
        ),
        "orders in the database the patron did not see placed": sum(
            n for card, n in orders_per_card.items() if card not in placed
        ),
        "orders seen placed twice": len(placed_cards) - len(placed),
    }


def report(arguments, plan: dict, result: dict, cpu: dict, checks: dict, drained: float) -> None:
    from django.conf import settings
    from django.db import connection

    from catalog.models import Item, Record

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    seconds = result["seconds"]
    total = result["total"]
    cached = arguments.search_cache
    cached = settings.SEARCH_RESULTS_CACHE_SECONDS if cached is None else cached
    print()
    print(
        f"Rush: {result['users']} simulated patrons, {seconds:.0f} s measured after "
        f"{arguments.warm_up:.0f} s of warm-up; gunicorn {arguments.workers} workers x "
        f"{arguments.threads} thread(s), search results cached {cached} s"
    )
    print(
        f"  {Record.objects.count():,} records, {Item.objects.count():,} copies, "
        f"{len(plan['cards']):,} patron cards unused before the run, {len(plan['queries'])} queries"
    )
    print(
        f"  machine {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"PostgreSQL {server}, load average {os.getloadavg()[0]:.1f} at the end"
    )
    print()
    print(
        f"  {'endpoint':<26}{'requests':>9}{'fail':>6}{'req/s':>8}"
        f"{'p50':>7}{'p95':>7}{'p99':>7}{'max':>8}  ms"
    )
    rows = sorted(result["endpoints"].items(), key=lambda item: -item[1]["requests"])
    for name, figures in [*rows, ("all", total)]:
        print(
            f"  {name:<26}{figures['requests']:>9}{figures['failures']:>6}"
            f"{figures['per_second']:>8.1f}{figures['p50']:>7.0f}{figures['p95']:>7.0f}"
            f"{figures['p99']:>7.0f}{figures['max']:>8.0f}"
        )
    for error, occurrences in result["errors"].items():
        print(f"  error x{occurrences}: {error}")
    orders = result["orders"]
    print()
    print(
        f"  orders (whole run): {len(orders['placed'])} placed, {orders['refused']} refused"
        f" (another patron took the copy first), {orders['no card left']} with no card left"
    )
    print(f"  outbox drained {drained:.1f} s after the load stopped")
    print()
    machine = cpu.pop("machine")
    print(
        f"  CPU seconds in the measured window ({machine / seconds:.2f} of "
        f"{os.cpu_count()} cores busy):"
    )
    for part, used in sorted(cpu.items(), key=lambda item: -item[1]):
        per_request = used / total["requests"] * 1000 if total["requests"] else 0
        print(f"    {part:<16}{used:>7.1f} s  {per_request:>6.1f} ms per request")
    print(f"    {'anything else':<16}{machine - sum(cpu.values()):>7.1f} s")
    print()
    print("  database after the rush (each must be 0 but the first):")
    for check, value in checks.items():
        print(f"    {check:<56}{value:>6}")
    broken = sum(value for check, value in checks.items() if check != "orders placed in the run")
    met = (
        total["per_second"] >= TARGET_PER_SECOND
        and total["p95"] < TARGET_P95_MS
        and total["failures"] == 0
        and not broken
    )
    print()
    print(
        f"  target: >= {TARGET_PER_SECOND} requests/s, p95 < {TARGET_P95_MS} ms, 0 errors, "
        f"0 rule broken: {'met' if met else 'MISSED'} ({total['per_second']:.1f} requests/s, "
        f"p95 {total['p95']:.0f} ms, {total['failures']} errors, {broken} broken)"
    )


if __name__ == "__main__":
    os.chdir(PROJECT_DIR)
    main()
