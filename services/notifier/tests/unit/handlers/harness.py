"""The trigger and the sender's constants shared by the handler tests: a message-delivered
event and its delivery from the Berichtenbox."""

from __future__ import annotations

from typing import Any

from mijnoverheid.contracts.envelope import CloudEvent
from services.notifier.tests.unit import fakes
from services.notifier.tests.unit.fakes import START
from services.notifier.tests.unit.fakes import delivery as delivery

BERICHTENBOX = fakes.BERICHTENBOX_SOURCE


SOURCE = fakes.NOTIFIER_SOURCE


OIN = fakes.BELASTINGDIENST_OIN


BSN = fakes.BSN


ADDRESS = fakes.ADDRESS


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
