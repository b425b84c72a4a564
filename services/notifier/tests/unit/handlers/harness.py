"""The trigger the handler tests share: a message-delivered event from the Berichtenbox, with
any field as given (its sender, recipient and delivery are in fakes)."""

from __future__ import annotations

from typing import Any

from mijnoverheid.contracts.envelope import CloudEvent
from services.notifier.tests.unit.fakes import (
    BELASTINGDIENST_OIN,
    BERICHTENBOX_SOURCE,
    BSN,
    START,
)


def delivered(event_id: str = "delivered-1", **data: Any) -> CloudEvent:
    return CloudEvent(
        specversion="1.0",
        id=event_id,
        source=BERICHTENBOX_SOURCE,
        type="nl.mijnoverheid.berichtenbox.message-delivered",
        time=START,
        data={
            "message_id": "message-1",
            "sent_event_id": "sent-1",
            "sender_oin": BELASTINGDIENST_OIN,
            "reference": "KENMERK-1",
            "recipient_bsn": BSN,
            "legal_effect": True,
            "kind": "aanslag",
            "deadline": "2026-03-01",
            "delivered_at": START.isoformat(),
            **data,
        },
    )
