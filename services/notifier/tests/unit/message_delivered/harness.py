"""The message-delivered trigger as the Berichtenbox sends it (its sender, recipient and
delivery are in fakes), and the retry policy the message-delivered tests share."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from mijnoverheid.contracts.envelope import (
    CloudEvent,
    new_event,
)
from notifier.domain.attempt import RetryPolicy
from services.notifier.tests.unit.fakes import (
    BELASTINGDIENST_OIN,
    BERICHTENBOX_SOURCE,
    BSN,
    START,
    World,
)

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


def only_outcome(world: World) -> tuple[CloudEvent, str]:
    """The one outcome reported (the steps created/sending before it are left out)."""
    outcomes = world.outcomes()
    assert len(outcomes) == 1, world.publisher.published
    return outcomes[0]
