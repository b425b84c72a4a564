"""What an organisation may know of its own messages, and what the Notifier tells us. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from berichtenbox.domain.message import Message
from berichtenbox.domain.trail import GENESIS, TrailEntry, TrailKind


@dataclass(frozen=True)
class AskStatus:
    """An organisation asks about messages it sent (by id)."""

    request_event_id: str
    request_source: str
    asker_oin: str
    message_ids: tuple[str, ...]
    include_trail: bool


@dataclass(frozen=True)
class NotificationChanged:
    """The Notifier's status of the notification about one of our messages."""

    event_id: str
    message_id: str
    notification_id: str
    status: str
    occurred_at: datetime
    sequence: int | None = None
    smtp_code: int | None = None

    @property
    def cause(self) -> str:
        return f"notification:{self.event_id}"

    def details(self) -> dict[str, str | int | None]:
        details: dict[str, str | int | None] = {
            "status": self.status,
            "notification_id": self.notification_id,
        }
        if self.sequence is not None:
            # The Notifier's own order: several changes can share one timestamp.
            details["sequence"] = self.sequence
        if self.smtp_code is not None:
            details["smtp_code"] = self.smtp_code
        return details


@dataclass(frozen=True)
class MessageState:
    message: Message
    notification_status: str | None
    notified_at: datetime | None
    trail_head: str
    trail: tuple[TrailEntry, ...] | None


def state_of(message: Message, entries: list[TrailEntry], include_trail: bool) -> MessageState:
    notifications = [entry for entry in entries if entry.kind is TrailKind.NOTIFICATION]
    latest = max(notifications, key=_notifier_order, default=None)
    sent = [entry for entry in notifications if entry.details.get("status") == "sent"]
    return MessageState(
        message=message,
        notification_status=str(latest.details["status"]) if latest else None,
        notified_at=sent[0].at if sent else None,
        trail_head=entries[-1].hash if entries else GENESIS,
        trail=tuple(entries) if include_trail else None,
    )


def _notifier_order(entry: TrailEntry) -> tuple[datetime, int]:
    # Statuses may arrive out of order and share a timestamp; the Notifier numbers them.
    sequence = entry.details.get("sequence")
    return (entry.at, sequence if isinstance(sequence, int) else 0)
