"""A citizen's contact details and what they mean for one notification. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from notifier.domain import notification as n
from notifier.domain.request import Category, NotificationRequest


class Language(StrEnum):
    NL = "nl"
    EN = "en"


@dataclass(frozen=True)
class Preferences:
    messages: bool = True
    cases: bool = True
    registrations: bool = True

    def allows(self, category: Category) -> bool:
        return bool(getattr(self, category.value))


@dataclass(frozen=True)
class Contact:
    bsn: str
    email: str | None = None  # the verified address, if any
    verified_at: datetime | None = None
    # When a mail that hard-bounced was sent to `email`; it counts only if later than the
    # verification, so a re-verification wins over any bounce about an earlier mail.
    undeliverable_since: datetime | None = None
    language: Language = Language.NL
    preferences: Preferences = field(default_factory=Preferences)
    pending_email: str | None = None
    pending_verification_id: str | None = None

    @property
    def undeliverable(self) -> bool:
        return (
            self.undeliverable_since is not None
            and self.verified_at is not None
            and self.undeliverable_since >= self.verified_at
        )


@dataclass(frozen=True)
class SendTo:
    address: str
    language: Language


@dataclass(frozen=True)
class DoNotSend:
    reason: str


def channel_for(
    request: NotificationRequest, contact: Contact | None, today: date
) -> SendTo | DoNotSend:
    """Whether, and where, to e-mail the citizen about `request`; `today`: the citizen's day
    (Europe/Amsterdam) the mail would go out on."""
    if request.warning_on is not None and today >= request.warning_on:
        # A reminder never goes out on the day of the expiry warning, nor after it: however
        # late (a backlog, retries), the warning says the same with its date.
        return DoNotSend(n.WARNING_DAY)
    if contact is None:
        return DoNotSend(n.NO_VERIFIED_ADDRESS)
    if not request.legal_effect and not contact.preferences.allows(request.category):
        # The law wants a message with legal effect notified whatever the citizen chose.
        return DoNotSend(n.OPTED_OUT)
    if contact.email is None:
        return DoNotSend(n.NO_VERIFIED_ADDRESS)
    if contact.undeliverable:
        return DoNotSend(n.ADDRESS_UNDELIVERABLE)
    return SendTo(contact.email, contact.language)
