"""What the Notifier's handlers need from the outside world."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Protocol

from mijnoverheid.kernel import BusyError
from mijnoverheid.timed_work import WorkUnit, WorkUnits
from notifier.domain.attempt import Outcome
from notifier.domain.contact import Contact, Language, Preferences
from notifier.domain.email import Email
from notifier.domain.notification import Notification
from notifier.domain.request import NotificationRequest
from notifier.domain.throttle import Window
from notifier.domain.verification import Verification


class NotificationStore(Protocol):
    async def get(self, notification_id: str) -> Notification | None: ...

    async def add(self, notification: Notification) -> tuple[Notification, bool]:
        """Store once: (stored, True), or (the one stored before, False)."""
        ...

    async def save(self, notification: Notification, expected_version: int) -> bool:
        """Save only if nobody changed it since `expected_version`; False if somebody did."""
        ...


class ContactDirectory(Protocol):
    async def find(self, bsn: str) -> Contact | None: ...

    async def mark_undeliverable(self, bsn: str, address: str, sent_at: datetime) -> None:
        """The mail sent at `sent_at` to `address` hard-bounced."""
        ...


class ContactStore(Protocol):
    """A citizen's contact details and the verifications of their addresses."""

    async def find(self, bsn: str) -> Contact | None: ...

    async def set_preferences(
        self, bsn: str, language: Language, preferences: Preferences
    ) -> None: ...

    async def set_verified(self, bsn: str, email: str, now: datetime) -> None: ...

    async def remove_email(self, bsn: str) -> None: ...

    async def start_verification(self, verification: Verification) -> None: ...

    async def verification(self, verification_id: str) -> Verification | None: ...

    async def take_attempt(self, verification_id: str, limit: int, now: datetime) -> int | None:
        """A try of the verification's code: the number (1..limit) of the slot it took, each
        taken at most once however many tries run at the same time; None when all are taken."""
        ...

    async def use(self, verification_id: str, now: datetime) -> bool:
        """True for the first use only."""
        ...


class NotificationBusyError(BusyError):
    """Another worker is sending this notification right now: an expected wait (the delivery
    is held in place, see `BusyError`), over by `retry_after_seconds` at the latest, when
    that worker's sending lease runs out."""

    def __init__(self, notification_id: str, retry_after_seconds: float = 0.0) -> None:
        super().__init__(f"notification {notification_id} is being sent", retry_after_seconds)
        self.notification_id = notification_id


class Mailer(Protocol):
    async def send(
        self,
        to: str,
        email: Email,
        notification_id: str | None,
        start_by: datetime | None = None,
    ) -> Outcome:
        """One attempt; `notification_id` names the return path and DSN envelope id. An attempt
        that cannot start talking to the relay before `start_by` is not made (Deferred,
        sending-delayed)."""
        ...


class Renderer(Protocol):
    def notification(self, request: NotificationRequest, language: Language) -> Email: ...

    def verification(self, code: str, expires_at: datetime, language: Language) -> Email: ...


class RetryScheduler(Protocol):
    async def schedule(self, notification_id: str, attempt: int, delay_level: int) -> None:
        """Have `retry(notification_id, attempt)` run again after the level's delay."""
        ...


class NotificationQueries(NotificationStore, Protocol):
    async def find(
        self, organisation_oin: str, criteria: dict[str, str], limit: int
    ) -> list[Notification]: ...

    async def overdue_reported_at(self, notification_id: str) -> datetime | None: ...

    def due_for_overdue_check(self, unit: WorkUnit, now: datetime) -> AsyncIterator[list[str]]:
        """Ids of the unit's notifications due by `now` and not checked yet, in pages."""
        ...

    async def overdue_checked(self, notification_id: str) -> None: ...

    async def record_overdue(self, notification_id: str, now: datetime) -> None: ...


# Which units of the overdue check a scan has to do, and which replica does each.
OverdueWork = WorkUnits


class MailSlots(Protocol):
    """The confirmation-mail throttle's windows (domain/throttle.py)."""

    async def take(self, window: Window) -> bool: ...
