"""What an organisation is told about its message, derived from the trail."""

from __future__ import annotations

from datetime import UTC, datetime

from berichtenbox.domain.message import Message
from berichtenbox.domain.status import state_of
from berichtenbox.domain.trail import TrailKind, next_entry

AT = datetime(2026, 3, 2, 9, 15, 1, tzinfo=UTC)


def _message() -> Message:
    return Message(
        message_id="m-1",
        event_source="urn:nld:oin:00000001003214345000:systeem:x",
        event_id="e-1",
        sender_oin="00000001003214345000",
        sender_name="Belastingdienst",
        recipient_bsn="999993653",
        subject="s",
        body="b",
        reference="r",
        legal_effect=True,
        kind=None,
        deadline=None,
        sent_at=AT,
        delivered_at=AT,
        expires_at=AT,
    )


def test_the_latest_notification_status_wins_on_a_shared_timestamp_whatever_the_order() -> None:
    entry = None
    entries = []
    # Arrived out of order, all with one timestamp: no-contact (2) before created (1).
    for status, sequence in (("no-contact", 2), ("created", 1)):
        entry = next_entry(
            entry,
            "m-1",
            TrailKind.NOTIFICATION,
            AT,
            f"notification:{status}",
            {"status": status, "sequence": sequence},
        )
        entries.append(entry)
    assert state_of(_message(), entries, include_trail=False).notification_status == "no-contact"
    reordered = list(reversed(entries))
    assert state_of(_message(), reordered, include_trail=False).notification_status == (
        "no-contact"
    )
