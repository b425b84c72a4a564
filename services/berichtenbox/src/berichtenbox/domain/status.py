"""What an organisation may know of its own message: derived from the message and its trail."""

from __future__ import annotations

from datetime import datetime

from berichtenbox.domain.model import Message
from berichtenbox.domain.trail import GENESIS, TrailEntry, TrailKind
from mijnoverheid.contracts.berichtenbox import MessageStatusItem, TrailEntryView


def status_of(
    message: Message, entries: list[TrailEntry], include_trail: bool
) -> MessageStatusItem:
    notifications = [entry for entry in entries if entry.kind is TrailKind.NOTIFICATION]
    latest = max(notifications, key=_notifier_order, default=None)
    sent = [entry for entry in notifications if entry.details.get("status") == "sent"]
    return MessageStatusItem(
        message_id=message.message_id,
        reference=message.reference,
        delivered_at=message.delivered_at,
        notification_status=str(latest.details["status"]) if latest else None,
        notified_at=sent[0].at if sent else None,
        read_at=message.read_at,
        expires_at=message.expires_at,
        expired_at=message.expired_at,
        deleted_at=message.deleted_at,
        trail_head=entries[-1].hash if entries else GENESIS,
        trail=[_view(entry) for entry in entries] if include_trail else None,
    )


def _notifier_order(entry: TrailEntry) -> tuple[datetime, int]:
    # Statuses may arrive out of order and share a timestamp; the Notifier numbers them.
    sequence = entry.details.get("sequence")
    return (entry.at, sequence if isinstance(sequence, int) else 0)


def _view(entry: TrailEntry) -> TrailEntryView:
    return TrailEntryView(
        seq=entry.seq,
        kind=entry.kind.value,
        at=entry.at,
        details=entry.details,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )
