"""The message-delivered trigger as the Berichtenbox sends it, and the constants the
message-delivered tests share."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import (
    CloudEvent,
    encode,
    new_event,
    source_for,
)
from mijnoverheid.messaging.consumer import InboundDelivery
from notifier.domain.attempt import RetryPolicy
from services.notifier.tests.unit import fakes
from services.notifier.tests.unit.fakes import (
    START,
    World,
)

BERICHTENBOX_SOURCE = source_for("00000001234567890000", "berichtenbox")


NOTIFIER_SOURCE = fakes.NOTIFIER_SOURCE


BELASTINGDIENST_OIN = "00000001003214345000"


BSN = "999993653"


ADDRESS = "burger@example.nl"


PORTAL = fakes.PORTAL


LEASE = fakes.LEASE


POLICY = RetryPolicy(delays_seconds=(10, 60, 600, 3600), max_attempts=3)


class _Delivered(BaseModel):
    """The fields of message-delivered the Notifier reads (it ignores the rest)."""

    message_id: str = "message-1"
    sent_event_id: str = "sent-1"
    sender_oin: str = BELASTINGDIENST_OIN
    reference: str = "KENMERK-1"
    recipient_bsn: str = BSN
    legal_effect: bool = True
    kind: str | None = "aanslag"
    deadline: date | None = date(2026, 3, 1)
    delivered_at: datetime = START


def delivered_event(event_id: str = "delivered-1", **data: Any) -> CloudEvent:
    return new_event(
        source=BERICHTENBOX_SOURCE,
        type_="nl.mijnoverheid.berichtenbox.message-delivered",
        data=_Delivered(**data),
        id_=event_id,
        time=START,
    )


def delivery(
    event: CloudEvent | bytes,
    *,
    user_id: str | None = "berichtenbox",
    oin: str = BELASTINGDIENST_OIN,
) -> InboundDelivery:
    body = event if isinstance(event, bytes) else encode(event)
    return InboundDelivery(
        body=body,
        routing_key=events.MESSAGE_DELIVERED.key(oin),
        user_id=user_id,
        message_id=None,
    )


def only_outcome(world: World) -> tuple[CloudEvent, str]:
    """The one outcome reported (the steps created/sending before it are left out)."""
    outcomes = world.outcomes()
    assert len(outcomes) == 1, world.publisher.published
    return outcomes[0]
