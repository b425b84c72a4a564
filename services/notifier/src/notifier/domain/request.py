"""What a trigger asks of the Notifier: tell this citizen about this news. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Category(StrEnum):
    """What a citizen can switch off (a message with legal effect is notified regardless)."""

    MESSAGES = "messages"
    CASES = "cases"
    REGISTRATIONS = "registrations"


class Template(StrEnum):
    """Which e-mail: one template per kind of news (plus the address verification)."""

    MESSAGE_DELIVERED = "message-delivered"
    MESSAGE_EXPIRING = "message-expiring"
    MESSAGE_LEFT_UNREAD = "message-left-unread"
    CASE_STATUS = "case-status"
    REGISTRATION = "registration"
    VERIFICATION = "verification"


CATEGORY = {
    Template.MESSAGE_DELIVERED: Category.MESSAGES,
    Template.MESSAGE_EXPIRING: Category.MESSAGES,
    # Without legal effect, a reminder follows the citizen's choice for messages, like the
    # notice of the message itself; with it, it goes out regardless (contact.channel_for).
    Template.MESSAGE_LEFT_UNREAD: Category.MESSAGES,
    Template.CASE_STATUS: Category.CASES,
    Template.REGISTRATION: Category.REGISTRATIONS,
}


@dataclass(frozen=True)
class NotificationRequest:
    """Only what the e-mail and the organisation's status need; never a message's content."""

    template: Template
    trigger_source: str
    trigger_event_id: str
    trigger_event_type: str
    organisation_oin: str
    organisation_name: str
    recipient_bsn: str
    legal_effect: bool = False
    kind: str | None = None  # the kind of message, e.g. "aanslag"
    deadline: date | None = None  # by when the citizen must act
    expires_on: date | None = None  # when an unread message will be removed
    warning_on: date | None = None  # a reminder: its expiry warning's day, not mailed from then
    register_name: str | None = None
    message_id: str | None = None
    case_id: str | None = None
    registration_id: str | None = None
    reference: str | None = None

    @property
    def category(self) -> Category:
        return CATEGORY[self.template]
