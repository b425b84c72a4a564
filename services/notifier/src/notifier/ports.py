"""What the Notifier's handlers need from the outside world."""

from __future__ import annotations

from typing import Protocol

from mijnoverheid.contracts.notifier import SmtpReply
from notifier.domain.email import Email
from notifier.domain.notification import Notification


class NotificationStore(Protocol):
    async def get(self, notification_id: str) -> Notification | None: ...

    async def add(self, notification: Notification) -> Notification:
        """Store once; return the stored one when it already was."""
        ...

    async def save(self, notification: Notification, expected_version: int) -> bool:
        """Save only if nobody changed it since `expected_version`; False if somebody did."""
        ...


class ContactDirectory(Protocol):
    async def verified_email(self, bsn: str) -> str | None: ...


class NotificationBusyError(Exception):
    """Another worker is sending this notification right now: try again later."""


class TransientSendError(Exception):
    """Try again later: a 4xx reply or a lost connection."""


class PermanentSendError(Exception):
    """The relay refused for good (5xx)."""

    def __init__(self, reply: SmtpReply) -> None:
        super().__init__(f"SMTP {reply.code}")
        self.reply = reply


class Mailer(Protocol):
    async def send(self, to: str, email: Email, notification_id: str) -> SmtpReply:
        """Raises TransientSendError or PermanentSendError."""
        ...
