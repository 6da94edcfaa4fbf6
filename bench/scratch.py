"""What the benchmarks share: a scratch PostgreSQL database seeded with seed_demo, and stats."""

import os
import socket
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
    *,
    server: str,
    database: str,
    records: int | None,
    seed: int,
    environment: dict[str, str],
    seed_options: tuple[str, ...] = (),
) -> None:
    """Drop and create the scratch database, migrate it and seed it.

    `records` None seeds the real records once (seed_demo's default); `seed_options`
    are further options of seed_demo (e.g. --patrons).
    """
    print(f"Scratch database {database}: creating, migrating, seeding...", flush=True)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        name = sql.Identifier(database)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
    started = time.perf_counter()
    for command in (
        ["manage.py", "migrate", "--no-input", "-v0"],
        [
            "manage.py",
            "seed_demo",
            *([f"--records={records}"] if records is not None else []),
            f"--seed={seed}",
            *seed_options,
        ],
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


def seed_unless_reused(
    arguments, environment: dict[str, str], probe: str, seed_options: tuple[str, ...] = ()
) -> bool:
    """Create and seed the scratch database, unless --reuse and `probe` counts rows in it.

    `arguments` has the benchmarks' common options (server, database, records, seed,
    reuse). Return whether the database was reused.
    """
    if arguments.reuse and count_in(arguments.server, arguments.database, probe):
        return True
    create_and_seed(
        server=arguments.server,
        database=arguments.database,
        records=arguments.records,
        seed=arguments.seed,
        environment=environment,
        seed_options=seed_options,
    )
    return False


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def free_port() -> int:
    """Return a TCP port of the loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, what: str = "gunicorn") -> None:
    """Wait until something listens on the port (20 s at most)."""
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{what} did not start")
