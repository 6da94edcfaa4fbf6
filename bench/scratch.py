"""What the benchmarks share: a scratch PostgreSQL database seeded with seed_demo, and stats."""

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent
SERVER_URL = "postgres://postgres@127.0.0.1:5432"


def bench_environment(server: str, database: str) -> dict[str, str]:
    """Return the environment of a production-like process on the scratch database."""
    return {
        **os.environ,
        "DATABASE_URL": f"{server}/{database}",
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": "testserver,localhost",
        "DEBUG": "false",
    }


def count_in(server: str, database: str, query: str) -> int:
    """Return the count a query gives in the scratch database, 0 if it is not there."""
    try:
        with psycopg.connect(f"{server}/{database}") as connection:
            return connection.execute(query).fetchone()[0]
    except psycopg.Error:
        return 0


def create_and_seed(
    *, server: str, database: str, records: int, seed: int, environment: dict[str, str]
) -> None:
    """Drop and create the scratch database, migrate it and seed `records` records."""
    print(f"Scratch database {database}: creating, migrating, seeding...", flush=True)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        name = sql.Identifier(database)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
    started = time.perf_counter()
    for command in (
        ["manage.py", "migrate", "--no-input", "-v0"],
        ["manage.py", "seed_demo", f"--records={records}", f"--seed={seed}"],
    ):
        subprocess.run(
            [sys.executable, *command],
            cwd=PROJECT_DIR,
            env=environment,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)


def setup_django(environment: dict[str, str]) -> None:
    """Start Django in this process, on the scratch database."""
    os.environ.update(environment)
    sys.path.insert(0, str(PROJECT_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]
