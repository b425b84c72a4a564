"""An event as an organisation would publish it, and accept_inbound judging it, shared by the
inbound tests."""

from __future__ import annotations

import json
from typing import Any

from mijnoverheid.contracts import events
from mijnoverheid.contracts.berichtenbox import MessageSent
from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.identity import Organisation, OrganisationRegistry, ServiceName
from mijnoverheid.inbound import Accepted, Refused, accept_inbound
from mijnoverheid.messaging.consumer import InboundDelivery

MESSAGE_SENT_TYPE = "nl.mijnoverheid.berichtenbox.message-sent"
BSN = "999993653"


def event_document(organisation: Organisation, **overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "specversion": "1.0",
        "id": "evt-0001",
        "source": source_for(organisation.oin, "zaaksysteem"),
        "type": MESSAGE_SENT_TYPE,
        "time": "2026-01-15T10:00:00Z",
        "data": {
            "recipient_bsn": BSN,
            "subject": "Uw aanslag",
            "body": "Geachte heer/mevrouw,",
            "reference": "KENMERK-1",
            "legal_effect": True,
        },
    }
    document.update(overrides)
    return document


def delivery(
    body: dict[str, Any] | bytes,
    *,
    user_id: str | None,
    routing_key: str,
) -> InboundDelivery:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return InboundDelivery(body=raw, routing_key=routing_key, user_id=user_id, message_id="m-1")


def from_(organisation: Organisation, body: dict[str, Any] | bytes) -> InboundDelivery:
    """Published as the organisation would: its own user, its own key."""
    return delivery(
        body,
        user_id=organisation.broker_user,
        routing_key=events.MESSAGE_SENT.key(organisation.oin),
    )


def judge(
    registry: OrganisationRegistry,
    inbound: InboundDelivery,
    service: ServiceName = "berichtenbox",
    max_bytes: int = events.MESSAGE_SENT.max_bytes,
) -> Accepted[MessageSent] | Refused:
    return accept_inbound(inbound, registry, service, MESSAGE_SENT_TYPE, MessageSent, max_bytes)


def refused(outcome: Accepted[MessageSent] | Refused) -> Refused:
    assert isinstance(outcome, Refused), f"expected a refusal, got {outcome!r}"
    return outcome
