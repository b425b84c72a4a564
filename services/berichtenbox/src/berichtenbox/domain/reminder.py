"""The reminder for unread post: when a message still unread gets its one reminder. Pure.

A message is reminded once, `after` its delivery (UNREAD_REMINDER_DAYS), if it is still
unread then, has its content, is not in the trash and is in the scope the platform reminds
of (messages with legal effect, or every message: whether the citizen is e-mailed about one
without legal effect is their own choice, applied by the Notifier as for every notice).

Never on the day of the expiry warning: the warning is due from `warning_due_at`, and both
go out at the first scan after they are due, so a reminder goes out only on a calendar day
(Europe/Amsterdam, the citizen's day) before the warning's. A reminder that would come on the
warning's day or later is not sent at all rather than moved earlier: earlier would remind
before the configured days have passed, and the warning that follows already says the
message is unread (see docs/berichtenbox.md § 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from berichtenbox.domain.expiry import warning_due_at
from berichtenbox.domain.message import TRASH, Message
from mijnoverheid.kernel import citizens_day


class ReminderScope(StrEnum):
    """Which unread messages get a reminder."""

    LEGAL_EFFECT = "legal-effect"
    ALL = "all"
    OFF = "off"


@dataclass(frozen=True)
class ReminderPolicy:
    after: timedelta = timedelta(days=7)
    scope: ReminderScope = ReminderScope.ALL

    def __post_init__(self) -> None:
        # Zero would remind on delivery, next to the notice of the message itself.
        if self.after < timedelta(days=1):
            raise ValueError("a reminder comes at least a day after delivery")


def reminder_due_at(message: Message, policy: ReminderPolicy) -> datetime:
    return message.delivered_at + policy.after


def in_scope(message: Message, scope: ReminderScope) -> bool:
    if scope is ReminderScope.OFF:
        return False
    return message.legal_effect or scope is ReminderScope.ALL


def before_warning_day(message: Message, now: datetime, warn_before: timedelta) -> bool:
    """Whether `now` lies on a day before the one the expiry warning is due on."""
    return citizens_day(now) < citizens_day(warning_due_at(message, warn_before))


def _left_unread(message: Message, scope: ReminderScope) -> bool:
    """In scope, and still unread with its content outside the trash."""
    return (
        in_scope(message, scope)
        and message.read_at is None
        and message.has_content
        and message.folder != TRASH
    )


def needs_unread_reminder(
    message: Message, now: datetime, policy: ReminderPolicy, warn_before: timedelta
) -> bool:
    return (
        _left_unread(message, policy.scope)
        and reminder_due_at(message, policy) <= now < message.expires_at
        and before_warning_day(message, now, warn_before)
    )


def reminder_later(
    message: Message, now: datetime, policy: ReminderPolicy, warn_before: timedelta
) -> bool:
    """Still to be reminded, but not due yet: a message stored under an earlier hour (the
    reminder days raised since) is waited for, not passed over; one whose reminder would
    fall on the warning's day or later never comes due."""
    due = reminder_due_at(message, policy)
    return (
        _left_unread(message, policy.scope)
        and now < due < message.expires_at
        and reminder_possible(message, policy, warn_before)
    )


def deadline_ahead(message: Message, now: datetime) -> bool:
    """Whether the message has a deadline the citizen can still meet (its day included)."""
    return message.deadline is not None and message.deadline >= citizens_day(now)


def reminder_possible(message: Message, policy: ReminderPolicy, warn_before: timedelta) -> bool:
    """Whether a reminder can come at all (read aside): its due day is before the warning's.
    Used to leave a message's reminder unit out when it could never fire."""
    return before_warning_day(message, reminder_due_at(message, policy), warn_before)
