"""A real Celery worker, a real Redis broker, the test database: the e-mail goes out once.

Each test starts its own redis-server on a free port (the machine's shared
Redis is never touched) and a worker subprocess whose Django uses this test
database and writes e-mails to files the test reads.
"""

import contextlib
import email
import email.policy
import os
import shutil
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
import redis
from django.db import connection, transaction

from config.celery import app as celery_app
from notifications.models import Notification
from notifications.services import queue_notification
from notifications.tasks import requeue_stale_notifications, send_notification
from tests.factories import PatronFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

PROJECT_DIR = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
TIMEOUT = 20  # seconds


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the worker process shares the test database: PostgreSQL only")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen) -> None:
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
    """Start `celery worker` against a broker URL; stop it at the end of the test, always."""
    workers = []

    def start(broker_url: str) -> subprocess.Popen:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "EMAIL_"))},
            "DATABASE_URL": database_url_of_this_test(),
            "CELERY_BROKER_URL": broker_url,
            # filemail://<path> is relative: an absolute path takes one more slash.
            "EMAIL_URL": f"filemail:///{outbox_dir}",
            "SECRET_KEY": "worker-test-only",
            "ALLOWED_HOSTS": "localhost",
            "DEBUG": "false",
            "CONN_MAX_AGE": "0",
        }
        log = (tmp_path / f"worker-{len(workers)}.log").open("w")
        process = subprocess.Popen(
            [
                str(CELERY), "-A", "config", "worker",
                "--pool", "solo", "--concurrency", "1",
                "--without-heartbeat", "--without-gossip", "--without-mingle",
                "--loglevel", "INFO",
            ],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        workers.append((process, log))
        return process

    yield start
    for process, log in workers:
        stop(process)
        log.close()


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


def queue_in_committed_transaction(dedup_key: str) -> Notification:
    patron = PatronFactory(email="zoe@example.org", preferred_language="en")
    with transaction.atomic():
        notification = queue_notification(
            kind="test_event",
            recipient=patron,
            context={"reference": "CC-7K3Q9", "title": "Persepolis", "deadline": None},
            dedup_key=dedup_key,
        )
    return notification


def status_of(notification: Notification) -> str:
    notification.refresh_from_db()
    return notification.status


def assert_sent_exactly_once(notification, outbox_dir, private_redis):
    wait_for(lambda: status_of(notification) == "sent", what="the notification to be sent")
    # Duplicates of the task (a redelivery, the sweeper's copy) change nothing.
    send_notification.delay(notification.pk)
    requeue_stale_notifications.delay(0)
    wait_for(lambda: private_redis.pending_messages() == 0, what="the worker to drain its queue")
    emails = sent_emails(outbox_dir)
    assert len(emails) == 1
    assert emails[0]["Message-ID"].startswith(f"<notification-{notification.pk}@")
    assert emails[0]["To"] == "zoe@example.org"
    assert emails[0]["Subject"] == notification.subject
    assert emails[0]["Subject"].startswith("Order CC-7K3Q9")
    notification.refresh_from_db()
    assert notification.attempts == 1


def test_a_real_worker_sends_the_email_once(private_redis, start_worker, outbox_dir):
    private_redis.start()
    worker = start_worker(private_redis.url)

    with publishing_to(private_redis.url):
        notification = queue_in_committed_transaction("worker:1")
        assert_sent_exactly_once(notification, outbox_dir, private_redis)

    assert worker.poll() is None


def test_broker_down_at_submission_then_back(private_redis, start_worker, outbox_dir):
    with publishing_to(private_redis.url):
        # The broker is down: the change commits, the publish fails fast and quietly.
        started = time.monotonic()
        notification = queue_in_committed_transaction("worker:2")
        assert time.monotonic() - started < 3
        assert status_of(notification) == "queued"

        # The broker comes back with a worker; the beat's sweeper finds the row.
        private_redis.start()
        start_worker(private_redis.url)
        time.sleep(0.5)
        assert status_of(notification) == "queued"
        requeue_stale_notifications.delay(0)

        assert_sent_exactly_once(notification, outbox_dir, private_redis)
