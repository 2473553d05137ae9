"""Django's SMTP backend, telling how far a delivery got.

Whether a failed delivery may be tried again depends on it: until the message is handed
over (the DATA command) the server cannot have it; once handed over, a timeout or a
dropped connection leaves it unknown whether the server took it (it may well have).
"""

import smtplib

from django.core.mail.backends import smtp

CONNECTED, RECIPIENT, HANDED_OVER, ACCEPTED = "connected", "recipient", "handed_over", "accepted"


class _Reporting:
    """smtplib's client, calling `report(step)` as the conversation moves on."""

    report = staticmethod(lambda step: None)

    def rcpt(self, recip, options=()):
        code, message = super().rcpt(recip, options)
        if code in (250, 251):
            self.report(RECIPIENT)
        return code, message

    def data(self, msg):
        self.report(HANDED_OVER)
        code, message = super().data(msg)
        # Any other answer is the server's own refusal: it did not take the message.
        self.report(ACCEPTED if code == 250 else RECIPIENT)
        return code, message


class _SMTP(_Reporting, smtplib.SMTP):
    pass


class _SMTPSSL(_Reporting, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    """Set `report` (a callable taking a step) before sending to follow the delivery."""

    report = staticmethod(lambda step: None)

    @property
    def connection_class(self):
        return _SMTPSSL if self.use_ssl else _SMTP

    def open(self):
        opened = super().open()
        if opened:
            self.connection.report = self.report
            self.report(CONNECTED)
        return opened
