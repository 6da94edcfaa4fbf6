"""A real SMTP server on loopback for the tests, with hooks at the moments that matter.

aiosmtpd runs it in a thread of the test process. Every message it accepts is
kept, parsed, in `messages`. `before_reply` is called with each message once
its DATA has been received in full and before the server answers 250, the
moment when a sender that dies leaves the message delivered but unrecorded;
`on_mail_from` is called at MAIL FROM, before anything can be delivered.
"""

import email
import email.policy
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.celery_worker import free_port


class SinkHandler:
    def __init__(self, sink: "SMTPSink"):
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.sink.mail_from_count += 1
        if self.sink.on_mail_from is not None:
            self.sink.on_mail_from(self.sink.mail_from_count)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(message)
        if self.sink.before_reply is not None:
            self.sink.before_reply(message, len(self.sink.messages))
        if self.sink.reply_delay:
            # The provider's own time before it answers (a blocking sleep on
            # purpose: one message at a time, like the test's single worker).
            time.sleep(self.sink.reply_delay)
        return "250 Message accepted for delivery"


class SMTPSink:
    def __init__(self):
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.mail_from_count = 0
        self.reply_delay = 0.0
        self.before_reply: Callable[[EmailMessage, int], None] | None = None
        self.on_mail_from: Callable[[int], None] | None = None
        self.controller = Controller(SinkHandler(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [message["Message-ID"] for message in self.messages]
