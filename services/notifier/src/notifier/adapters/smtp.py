"""Sending e-mail to the relay with aiosmtplib, classifying its answers."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.contracts.notifier import SmtpReply
from notifier.domain.email import Email
from notifier.ports import PermanentSendError, TransientSendError


class SmtpMailer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        from_address: str,
        start_tls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._host = host
        self._port = port
        self._from = from_address
        self._start_tls = start_tls
        self._username = username
        self._password = password
        self._timeout = timeout_seconds
        self._domain = from_address.rsplit("@", 1)[-1]

    async def send(self, to: str, email: Email, notification_id: str) -> SmtpReply:
        message = EmailMessage()
        message["From"] = self._from
        message["To"] = to
        message["Subject"] = email.subject
        message["Date"] = format_datetime(utc_now())
        # Deterministic: a resend of the same notification is recognisable as such.
        message["Message-ID"] = f"<{notification_id}@{self._domain}>"
        message["X-Notification-Id"] = notification_id
        message.set_content(email.text)
        try:
            _, reply = await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                start_tls=self._start_tls,
                username=self._username,
                password=self._password,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            refusal = error.recipients[0]
            raise _classified(refusal.code, refusal.message) from error
        except aiosmtplib.SMTPResponseException as error:
            raise _classified(error.code, error.message) from error
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise TransientSendError(type(error).__name__) from error
        return SmtpReply(code=250, message=reply)


def _classified(code: int, text: str) -> Exception:
    if 500 <= code < 600:
        return PermanentSendError(SmtpReply(code=code, message=text))
    return TransientSendError(f"SMTP {code}")
