"""The trigger and the sender's constants shared by the handler tests: a message-delivered
event and its delivery from the Berichtenbox."""

from __future__ import annotations

from typing import Any

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent, encode, source_for
from mijnoverheid.messaging.consumer import InboundDelivery
from services.notifier.tests.unit import fakes
from services.notifier.tests.unit.fakes import (
    START,
)

BERICHTENBOX = source_for("00000001234567890000", "berichtenbox")


SOURCE = fakes.NOTIFIER_SOURCE


OIN = "00000001003214345000"


BSN = "999993653"


ADDRESS = "burger@example.nl"


LEASE = fakes.LEASE


def delivered(event_id: str = "delivered-1", **data: Any) -> CloudEvent:
    return CloudEvent(
        specversion="1.0",
        id=event_id,
        source=BERICHTENBOX,
        type="nl.mijnoverheid.berichtenbox.message-delivered",
        time=START,
        data={
            "message_id": "message-1",
            "sent_event_id": "sent-1",
            "sender_oin": OIN,
            "reference": "KENMERK-1",
            "recipient_bsn": BSN,
            "legal_effect": True,
            "kind": "aanslag",
            "deadline": "2026-03-01",
            "delivered_at": START.isoformat(),
            **data,
        },
    )


def delivery(event: CloudEvent | bytes, user_id: str | None = "berichtenbox") -> InboundDelivery:
    body = event if isinstance(event, bytes) else encode(event)
    key = events.MESSAGE_DELIVERED.key(OIN)
    return InboundDelivery(body=body, routing_key=key, user_id=user_id, message_id=None)
