"""A broker that hangs (stopped with SIGSTOP: it accepts connections and never answers).

Issue 15, item 1: checkout blocked 30.9 s until gunicorn killed the worker, the
patron saw a 500 although the order was saved, and /healthz hung too. The order
and its outbox row are the commitment: publishing gives up quickly and the
sweeper hands the e-mail to Celery once the broker answers again.
"""

import threading
import time

import pytest
from django.test import Client

from notifications.models import Notification
from notifications.tasks import requeue_stale_notifications
from reservations.models import Reservation
from tests.celery_worker import needs_redis_server, publishing_to, sent_emails, wait_for
from tests.factories import PASSWORD, BranchFactory, ItemFactory, PatronFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_redis_server,
    pytest.mark.usefixtures("postgresql_only"),
]

# Far more than the publish time-outs allow, far less than gunicorn's 30 s.
GIVE_UP_AFTER = 10


def timed(request):
    """Run `request()` in a thread; return (seconds, response), or fail if it hangs."""
    outcome = {}

    def run():
        started = time.monotonic()
        outcome["response"] = request()
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(GIVE_UP_AFTER)
    assert not thread.is_alive(), f"the request still waits for the broker after {GIVE_UP_AFTER} s"
    print(f"answered in {outcome['seconds']:.2f} s")
    return outcome["seconds"], outcome["response"]


@pytest.fixture
def broker(private_redis, settings):
    """A private Redis that this process publishes to, and that /healthz checks."""
    private_redis.start()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = private_redis.url
    with publishing_to(private_redis.url):
        yield private_redis


def test_checkout_answers_within_a_second_or_so_and_the_e_mail_follows(
    broker, start_worker, outbox_dir
):
    branch = BranchFactory()
    item = ItemFactory(branch=branch, status="available")
    patron = PatronFactory(email="zoe@example.org")
    client = Client()
    client.force_login(patron)
    client.post("/basket/add/", {"record": item.record.pk})

    with broker.hung():
        seconds, response = timed(lambda: client.post("/basket/checkout/", {"branch": branch.pk}))

    assert seconds < 2.5
    assert response.status_code == 302
    assert response.url == "/account/reservations/"
    order = Reservation.objects.get(patron=patron)
    notification = Notification.objects.get(recipient=patron)
    assert notification.status == "queued"

    # The broker answers again: the sweeper hands the e-mail over, once.
    start_worker(broker.url)
    requeue_stale_notifications.delay(0)
    wait_for(
        lambda: Notification.objects.get(pk=notification.pk).status == "sent",
        what="the e-mail to be sent",
    )
    emails = sent_emails(outbox_dir)
    assert [message["To"] for message in emails] == ["zoe@example.org"]
    assert order.reference in emails[0]["Subject"]
    assert Reservation.objects.filter(patron=patron).count() == 1


def test_healthz_says_503_within_two_seconds(broker):
    with broker.hung():
        seconds, response = timed(lambda: Client().get("/healthz"))

    assert seconds < 2.5
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "down"}


def test_signing_in_goes_on_when_the_cache_s_redis_hangs(broker, settings):
    """The sign-in rate limits count in Redis: a hung Redis must not stop sign-in."""
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": broker.url,
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
    patron = PatronFactory()
    client = Client()

    with broker.hung():
        seconds, response = timed(
            lambda: client.post(
                "/accounts/login/", {"username": patron.card_number, "password": PASSWORD}
            )
        )

    assert seconds < 2.5
    assert response.status_code == 302  # signed in: axes, in the database, still counts
    assert "_auth_user_id" in client.session
