"""The production server: gunicorn with config/gunicorn.conf.py serves the site."""

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.clock import clock_environment, clocked_command

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_gunicorn_with_the_production_config_answers_healthz():
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
        **clock_environment(),
    }
    if connection.vendor != "postgresql":
        env["DATABASE_URL"] = f"sqlite:///{settings['NAME']}"
    server = subprocess.Popen(
        clocked_command("gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(
                        f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"}
                    ),
                    timeout=5,
                ) as response:
                    body = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.2)
        assert body is not None, server.stderr.read1().decode() if server.poll() else "no answer"
        assert body["checks"]["database"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=30)
