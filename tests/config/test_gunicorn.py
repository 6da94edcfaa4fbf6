"""The production server: gunicorn with config/gunicorn.conf.py serves the site."""

import json
import os
import socket
import subprocess
import time
import urllib.error
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


@pytest.fixture
def gunicorn(tmp_path):
    """Start gunicorn with the production config on a free port; yield (get, access log path)."""
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
    log_path = tmp_path / "access.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            clocked_command("gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.PIPE,
        )

    def get(path: str):
        """Return (status, body) of a GET, waiting for the server to start."""
        for _ in range(100):
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(
                        f"http://127.0.0.1:{port}{path}", headers={"Host": "localhost"}
                    ),
                    timeout=5,
                ) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                return error.code, error.read()
            except OSError:
                if server.poll() is not None:
                    raise AssertionError(server.stderr.read().decode()) from None
                time.sleep(0.2)
        raise AssertionError("gunicorn did not answer")

    try:
        yield get, log_path
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.django_db
def test_gunicorn_with_the_production_config_answers_healthz(gunicorn):
    get, _log = gunicorn

    status, body = get("/healthz")

    assert status == 200
    assert json.loads(body)["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_the_access_log_keeps_no_signed_link_reset_token_or_search(gunicorn):
    get, log_path = gunicorn
    get("/healthz")
    for path in (
        "/pickup/eyJyIjo0Mn0:1vPxyz:SiGnAtUrE/",
        "/accounts/password-reset/MTIz/cxyz-0123456789abcdef/",
        "/staff/desk/?q=10000042",
        "/branches/?lat=48.8566&lon=2.3522",
    ):
        get(path)
    time.sleep(0.5)  # gunicorn writes the access log line after the response

    log = log_path.read_text()
    for secret in ("SiGnAtUrE", "eyJyIjo0Mn0", "cxyz-0123456789abcdef", "10000042", "48.8566"):
        assert secret not in log
    assert '"GET /pickup/-/ HTTP/1.1"' in log
    assert '"GET /accounts/password-reset/-/-/ HTTP/1.1"' in log
    assert '"GET /staff/desk/ HTTP/1.1" 302' in log
