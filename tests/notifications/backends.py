"""E-mail backends that misbehave on purpose, for the sending tests."""

import threading

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class BrokenBackend(LocmemBackend):
    """An SMTP server that refuses every message."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server refused the connection")


class SlowBackend(LocmemBackend):
    """A provider that takes its time: holds each send until `release` is set."""

    started = threading.Event()
    release = threading.Event()

    def send_messages(self, messages):
        type(self).started.set()
        assert type(self).release.wait(timeout=10), "the test never released the send"
        return super().send_messages(messages)
