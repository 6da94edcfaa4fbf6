"""Benchmark ``manage.py seed_demo`` on PostgreSQL against a raw COPY baseline.

Run from the project root:

    .venv/bin/python bench/seed_demo.py --records 1000000

It drops and creates a scratch database, migrates it, then in the same run:

1. the baseline: one raw COPY of synthetic rows (N records and
   N x copies copies) into the same tables, with the same indexes and
   foreign keys, committed, through psycopg directly;
2. the tables emptied again, ``manage.py seed_demo --records N`` in a child
   process, whose wall time and peak RSS are measured.

A CHECKPOINT before each keeps one's writes from slowing the other. It
prints both and the ratio of their times per row, which says what the
command costs over the floor that COPY itself sets on this machine.
"""

import argparse
import datetime
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
# Where the command's summary says how long each part took.
PHASES = {
    "records": r"records \(.*\) in ([\d.]+) s",
    "copies": r"copies in ([\d.]+) s",
    "commit": r"commit took ([\d.]+) s",
}


def main() -> None:
    arguments = parse_arguments()
    database_url = f"{arguments.server}/{arguments.database}"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": "localhost",
    }
    print(f"Scratch database {arguments.database}: creating and migrating...", flush=True)
    recreate_database(arguments.server, arguments.database)
    run_child([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], environment)

    baseline_copies = arguments.records * arguments.copies
    print(f"Baseline: raw COPY of {arguments.records:,} records, {baseline_copies:,} copies...")
    checkpoint(database_url)
    baseline_seconds = copy_synthetic_rows(database_url, arguments.records, baseline_copies)
    empty_tables(database_url)
    checkpoint(database_url)

    print(f"Seeding {arguments.records:,} records (--copies {arguments.copies})...", flush=True)
    seed_command = [
        sys.executable,
        "manage.py",
        "seed_demo",
        f"--records={arguments.records}",
        f"--copies={arguments.copies}",
        f"--seed={arguments.seed}",
    ]
    seed_seconds, seed_rss_kib, output = run_child(seed_command, environment, echo=True)
    copies = int(re.search(r"([\d,]+) copies in", output)[1].replace(",", ""))
    phases = {phase: float(re.search(pattern, output)[1]) for phase, pattern in PHASES.items()}
    load = os.getloadavg()[0]

    if not arguments.keep:
        drop_database(arguments.server, arguments.database)
    print_report(
        arguments,
        copies=copies,
        seed_seconds=seed_seconds,
        phases=phases,
        seed_rss_kib=seed_rss_kib,
        baseline_copies=baseline_copies,
        baseline_seconds=baseline_seconds,
        load=load,
    )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--database", default="cc_bench_seed")
    parser.add_argument("--server", default=SERVER_URL, help="PostgreSQL URL without database")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args()


def recreate_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def run_child(
    command: list[str], environment: dict[str, str], *, echo: bool = False
) -> tuple[float, int, str]:
    """Run a command in the project; return its wall time, peak RSS (KiB) and output."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in child.stdout:
        lines.append(line)
        if echo:
            print("   |", line, end="", flush=True)
    # wait4 gives this child's own resource usage (getrusage(RUSAGE_CHILDREN)
    # would mix in the migrate process).
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{''.join(lines)}")
    return seconds, usage.ru_maxrss, "".join(lines)


def empty_tables(database_url: str) -> None:
    with psycopg.connect(database_url) as connection:
        connection.execute(
            "TRUNCATE catalog_item, catalog_record, catalog_documenttype, branches_openinghours, "
            "branches_closure, branches_branch, accounts_user RESTART IDENTITY CASCADE"
        )


def checkpoint(database_url: str) -> None:
    """Flush dirty pages now rather than during the next measurement (needs superuser)."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("CHECKPOINT")


def copy_synthetic_rows(database_url: str, records: int, copies: int) -> float:
    """COPY plain synthetic rows into the record and copy tables; return the seconds taken."""
    now = datetime.datetime.now(datetime.UTC)
    started = time.perf_counter()
    with psycopg.connect(database_url) as connection:
        type_id = connection.execute(
            "INSERT INTO catalog_documenttype (code, name_fr, name_en, reservable_online, "
            "loan_days, quarantine_days) VALUES ('book', 'Livre', 'Book', true, 21, 3) "
            "RETURNING id"
        ).fetchone()[0]
        branch_id = connection.execute(
            "INSERT INTO branches_branch (code, name, address, postcode, city, latitude, "
            "longitude, phone, email, website, click_and_collect_enabled, accepts_phone_orders, "
            "accepts_email_orders, processing_hours, pickup_days) VALUES ('bench', 'Bench', "
            "'1 rue', '75001', 'Paris', 48.86, 2.34, '', '', '', true, false, false, 48, 10) "
            "RETURNING id"
        ).fetchone()[0]
        with connection.cursor() as cursor:
            with cursor.copy(
                "COPY catalog_record (id, identifier, document_type_id, title, creators, "
                "publisher, year, language, isbn, ean, subjects, summary, created_at, updated_at) "
                "FROM STDIN"
            ) as copy:
                for number in range(1, records + 1):
                    copy.write_row(
                        (number, f"bench:{number}", type_id, f"Title {number}", "Author", "",
                         2000, "fre", "", "", "", "", now, now)
                    )  # fmt: skip
            with cursor.copy(
                "COPY catalog_item (id, barcode, record_id, branch_id, call_number, status, "
                "status_changed_at) FROM STDIN"
            ) as copy:
                # A record's copies follow each other, as in the seed.
                per_record = max(copies // records, 1)
                for number in range(1, copies + 1):
                    copy.write_row(
                        (number, f"{number:014d}", min((number - 1) // per_record + 1, records),
                         branch_id, "R AUT", "available", now)
                    )  # fmt: skip
    # Leaving the block commits, which runs the deferred foreign-key checks.
    return time.perf_counter() - started


def print_report(
    arguments: argparse.Namespace,
    *,
    copies: int,
    seed_seconds: float,
    phases: dict[str, float],
    seed_rss_kib: int,
    baseline_copies: int,
    baseline_seconds: float,
    load: float,
) -> None:
    rows = arguments.records + copies
    seed_rate = rows / seed_seconds
    baseline_rate = (arguments.records + baseline_copies) / baseline_seconds
    own_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print()
    print(f"seed_demo --records {arguments.records:,} --copies {arguments.copies}")
    machine = f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"  machine       {machine}")
    print(f"  date          {datetime.date.today():%Y-%m-%d} (load average {load:.1f} at the end)")
    print(f"  rows          {arguments.records:,} records + {copies:,} copies")
    print(f"  wall time     {seed_seconds:.1f} s (whole command, commit included)")
    print(
        "  of which      "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items())
    )
    print(f"  records/s     {arguments.records / seed_seconds:,.0f}")
    print(f"  copies/s      {copies / seed_seconds:,.0f}")
    print(f"  rows/s        {seed_rate:,.0f}")
    print(f"  peak RSS      {seed_rss_kib / 1024:.0f} MiB (seed process)")
    print(f"  baseline      {baseline_seconds:.1f} s raw COPY of synthetic rows, same tables")
    print(f"                ({baseline_rate:,.0f} rows/s; bench RSS {own_rss_kib / 1024:.0f} MiB)")
    print(f"  ratio         {baseline_rate / seed_rate:.2f} x the baseline's time per row")


if __name__ == "__main__":
    main()
