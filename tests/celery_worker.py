"""A real Celery worker on a private Redis, against the test database: fixtures and helpers.

Registered as a plugin by tests/conftest.py, so that any test module can ask
for `private_redis`, `start_worker` and `outbox_dir`. A test that uses them
marks itself with `needs_redis_server` and the `postgresql_only` fixture, and
runs with `django_db(transaction=True)`: the worker is another process, it
only sees what the test has committed.

Each test starts its own redis-server on a free port (the machine's shared
Redis is never touched) and worker subprocesses whose Django uses this test's
database and writes e-mails to files the test reads.
"""

import contextlib
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
import redis
from django.db import connection

from config.celery import app as celery_app
from tests.clock import clock_environment, clocked_command

PROJECT_DIR = Path(__file__).resolve().parents[1]
TIMEOUT = 20  # seconds
# For a wait that includes a worker's start-up (seconds on a busy machine).
STARTUP_TIMEOUT = 60

needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs redis-server"
)


@pytest.fixture
def postgresql_only():
    """Skip the test unless it runs on PostgreSQL, the only database a worker process can share."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process shares the test database: PostgreSQL only")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], *, what: str, timeout: float = TIMEOUT):
    """Return the first true value of `predicate()`, polled every 0.1 s; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop(process: subprocess.Popen) -> None:
    """Terminate the process, kill it if it lingers, and reap it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class PrivateRedis:
    """A redis-server of this test only, on a port chosen now, started when asked."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = self.client()
        wait_for(lambda: self._ping(client), what="redis-server")

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)

    @contextlib.contextmanager
    def hung(self):
        """Stop the server (SIGSTOP) for the block: it takes connections and never answers."""
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)

    @staticmethod
    def _ping(client) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def pending_messages(self) -> int:
        """Count task messages waiting in the queue or taken but not yet acknowledged."""
        client = self.client()
        return client.llen("celery") + client.hlen("unacked")


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    yield server
    if server.process is not None:
        stop(server.process)


@pytest.fixture
def outbox_dir(tmp_path):
    directory = tmp_path / "sent-mail"
    directory.mkdir()
    return directory


def database_url_of_this_test() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def start_worker(tmp_path, outbox_dir):
    """Start `celery worker` against a broker URL; stop it at the end of the test, always.

    `env` adds or overrides environment variables of the worker;
    `campaign_batch_size` makes its campaign task run batches of that many rows.
    The workers' logs are printed at teardown: pytest shows them when the test fails.
    """
    workers = []

    def start(
        broker_url: str,
        *,
        env: dict[str, str] | None = None,
        campaign_batch_size: int | None = None,
    ) -> subprocess.Popen:
        worker_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "EMAIL_"))},
            "DATABASE_URL": database_url_of_this_test(),
            "CELERY_BROKER_URL": broker_url,
            # filemail://<path> is relative: an absolute path takes one more slash.
            "EMAIL_URL": f"filemail:///{outbox_dir}",
            "SECRET_KEY": "worker-test-only",
            "ALLOWED_HOSTS": "localhost",
            "DEBUG": "false",
            "CONN_MAX_AGE": "0",
            # The project's checks run in its own tests, not at every worker start.
            "CELERY_SKIP_CHECKS": "1",
            **clock_environment(),
            **(env or {}),
        }
        if campaign_batch_size is not None:
            worker_env["CAMPAIGN_BATCH_SIZE"] = str(campaign_batch_size)
        name = f"worker-{len(workers)}"
        log_path = tmp_path / f"{name}.log"
        log = log_path.open("w")
        process = subprocess.Popen(
            clocked_command(
                "celery", "-A", "config", "worker",
                "--pool", "solo", "--concurrency", "1",
                "--without-heartbeat", "--without-gossip", "--without-mingle",
                "--loglevel", "INFO",
                "--hostname", f"{name}@%h",
            ),
            cwd=PROJECT_DIR,
            env=worker_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        workers.append((process, log, log_path))
        return process

    yield start
    for process, _log, _log_path in workers:
        if process.poll() is None:
            process.terminate()  # all at once: they shut down in parallel
    for process, log, log_path in workers:
        stop(process)
        log.close()
        print(f"----- {log_path.name} (exit code {process.returncode}) -----")
        print(log_path.read_text(errors="replace")[-20_000:])


@contextlib.contextmanager
def publishing_to(broker_url: str):
    """Make this process publish tasks to `broker_url` instead of running them eagerly."""
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("broker_url", "task_always_eager")}
    forget_connections()
    conf.update(broker_url=broker_url, task_always_eager=False)
    try:
        yield
    finally:
        forget_connections()
        conf.update(saved)


def forget_connections():
    """Close the app's pooled broker connections so that the next publish uses the new URL."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()


def sent_emails(outbox_dir: Path) -> list[EmailMessage]:
    """Return the messages the worker's file backend wrote (a file per connection)."""
    messages = []
    for path in sorted(outbox_dir.iterdir()):
        parts = path.read_text().split("-" * 79)
        messages += [
            email.message_from_string(part.strip(), policy=email.policy.default)
            for part in parts
            if "Message-ID:" in part
        ]
    return messages
