"""Fixtures of the production stack: gunicorn with its config, started on loopback."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.celery_worker import free_port
from tests.clock import clock_environment, clocked_command

ROOT = Path(__file__).resolve().parents[2]


def http_get(port: int, path: str, *, is_up: Callable[[], bool] = lambda: True, headers=None):
    """Return (status, body) of a GET on loopback, waiting up to 20 s for the server to start.

    `is_up` says whether the server process still runs: a server that died fails at once.
    """
    for _ in range(100):
        try:
            with urllib.request.urlopen(
                urllib.request.Request(
                    f"http://127.0.0.1:{port}{path}",
                    headers={"Host": "localhost", **(headers or {})},
                ),
                timeout=5,
            ) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError:
            if not is_up():
                raise AssertionError(f"the server on port {port} stopped") from None
            time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port}")


@dataclass
class RunningServer:
    port: int
    access_log: Path
    get: Callable[[str], tuple[int, bytes]]


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """Static files collected as the Dockerfile does (hashed names, manifest), once per run."""
    root = tmp_path_factory.mktemp("staticfiles")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env={**env, "STATIC_ROOT": str(root), "SECRET_KEY": "test-only-not-a-secret"},
        check=True,
        capture_output=True,
    )
    return root


@pytest.fixture
def gunicorn(tmp_path, collected_static):
    """Start gunicorn with the production config and one worker on a free port."""
    yield from _run_gunicorn(tmp_path, STATIC_ROOT=str(collected_static))


@pytest.fixture
def gunicorn_without_database(tmp_path, collected_static):
    """The same, its database on a port where nothing listens: an outage."""
    yield from _run_gunicorn(
        tmp_path,
        STATIC_ROOT=str(collected_static),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/clickcollect",
    )


def _run_gunicorn(tmp_path, **overrides):
    port = free_port()
    settings = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": (
            f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        ),
        "SECRET_KEY": "test-only-not-a-secret",
        "ALLOWED_HOSTS": "localhost",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback: /healthz alone is exempt
        **clock_environment(),
    }
    if connection.vendor != "postgresql":
        env["DATABASE_URL"] = f"sqlite:///{settings['NAME']}"
    env.update(overrides)
    log_path = tmp_path / "gunicorn-access.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            clocked_command("gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.PIPE,
        )

    def get(path: str, headers: dict | None = None):
        try:
            return http_get(port, path, is_up=lambda: server.poll() is None, headers=headers)
        except AssertionError:
            if server.poll() is not None:
                raise AssertionError(server.stderr.read().decode()) from None
            raise

    try:
        yield RunningServer(port=port, access_log=log_path, get=get)
    finally:
        server.terminate()
        server.wait(timeout=30)
