"""E-mail backends that misbehave on purpose, for the sending tests."""

import threading

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection


class BrokenBackend(LocmemBackend):
    """An SMTP server that refuses every message."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server refused the connection")


class SlowBackend(LocmemBackend):
    """A provider that takes its time: holds each send until `release` is set."""

    started = threading.Event()
    release = threading.Event()
    in_transaction: bool | None = None  # whether the sender had a transaction open

    def send_messages(self, messages):
        type(self).in_transaction = connection.in_atomic_block
        type(self).started.set()
        assert type(self).release.wait(timeout=10), "the test never released the send"
        return super().send_messages(messages)


class LeaseLostBackend(LocmemBackend):
    """A provider so slow that the lease ran out: another worker claimed the row meanwhile.

    It plays that other worker's claim (attempt 2) on the notification named
    in the Message-ID, then fails.
    """

    def send_messages(self, messages):
        from notifications.models import Notification

        for message in messages:
            pk = int(message.extra_headers["Message-ID"].split("-")[1].partition("@")[0])
            Notification.objects.filter(pk=pk).update(attempts=2)
        raise ConnectionResetError("the provider hung up")
