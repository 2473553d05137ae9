"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and misbehaves
on demand: refuses a delivery, answers slowly, or hangs before accepting a recipient or
after receiving the whole message."""

import asyncio
import email
import socket
import threading
from email import policy

from aiosmtpd.controller import Controller


class Mailbox:
    """Collects delivered messages. Each counter applies to that many next deliveries:
    `refuse_next` answers 451 to the message, `hang_at_recipient_next` says nothing to
    RCPT for `hang_seconds`, `hang_after_data_next` keeps the message then says nothing
    for `hang_seconds`; `delay` answers every message that many seconds late."""

    def __init__(self):
        self.messages = []
        self.refuse_next = 0
        self.hang_at_recipient_next = 0
        self.hang_after_data_next = 0
        self.hang_seconds = 30
        self.delay = 0
        self.hanging = threading.Event()  # set while a hang is going on
        self._received = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hang_at_recipient_next > 0:
            self.hang_at_recipient_next -= 1
            await self._hang()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 Try again later"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._received:
            self.messages.append(message)
            self._received.notify_all()
        if self.hang_after_data_next > 0:
            self.hang_after_data_next -= 1
            await self._hang()
        await asyncio.sleep(self.delay)
        return "250 OK"

    async def _hang(self):
        self.hanging.set()
        try:
            await asyncio.sleep(self.hang_seconds)
        finally:
            self.hanging.clear()

    def wait_for(self, count, timeout=15):
        """Block until `count` messages have arrived; the list of them."""
        with self._received:
            self._received.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
        return list(self.messages)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self):
        self.mailbox = Mailbox()
        self.port = free_port()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()
