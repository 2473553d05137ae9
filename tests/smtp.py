"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

import email
import socket
import threading
from email import policy

from aiosmtpd.controller import Controller


class Mailbox:
    """Collects delivered messages; can refuse the next N deliveries to test retries."""

    def __init__(self):
        self.messages = []
        self.refuse_next = 0
        self._received = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 Try again later"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._received:
            self.messages.append(message)
            self._received.notify_all()
        return "250 OK"

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
