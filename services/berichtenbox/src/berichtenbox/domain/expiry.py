"""When content is removed, and when the citizen is warned beforehand. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta

from berichtenbox.domain.message import Message


def due_for_expiry(message: Message, now: datetime) -> bool:
    """Its retention has ended and it has not been marked expired yet.

    A message the citizen already deleted is marked too: its retention has ended as well,
    and the mark keeps it out of every later scan.
    """
    return message.expired_at is None and message.expires_at <= now


def warning_window(now: datetime, warn_before: timedelta) -> tuple[datetime, datetime]:
    """Messages expiring in (start, end] get a warning."""
    return now, now + warn_before


def needs_expiry_warning(message: Message, now: datetime, warn_before: timedelta) -> bool:
    start, end = warning_window(now, warn_before)
    return message.read_at is None and message.has_content and start < message.expires_at <= end


def warning_due_at(message: Message, warn_before: timedelta) -> datetime:
    """From when its expiry warning is due: `warn_before` ahead of the expiry, or on delivery
    for a message that arrives that close to its expiry."""
    return max(message.expires_at - warn_before, message.delivered_at)


def warning_later(message: Message, now: datetime, warn_before: timedelta) -> bool:
    """Unread with its content, but its warning not due yet: a message stored under an
    earlier hour (the warning days lowered since) is waited for, not passed over."""
    return (
        message.read_at is None
        and message.has_content
        and warning_due_at(message, warn_before) > now
    )
