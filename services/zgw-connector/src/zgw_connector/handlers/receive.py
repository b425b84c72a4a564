"""A thin event at the door: accepted into the durable queue once, a replay answered as received
without doing anything again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mijnoverheid.identity import Organisation
from zgw_connector.adapters.queue import ThinEventCommand
from zgw_connector.domain.thin_event import (
    Accepted,
    ThinEvent,
    Unacceptable,
    accept,
    delivery_key,
)
from zgw_connector.ports import Records, ThinEventQueue


class Receipt(StrEnum):
    ACCEPTED = "accepted"
    ALREADY_RECEIVED = "already-received"


@dataclass(frozen=True)
class ReceiveThinEvent:
    records: Records
    queue: ThinEventQueue
    clock: Callable[[], datetime]

    async def __call__(self, sender: Organisation, event: ThinEvent) -> Receipt | Unacceptable:
        assert sender.zgw is not None, "authenticated senders are configured for the connector"
        decision = accept(event, sender.zgw.zaken_api)
        if isinstance(decision, Unacceptable):
            return decision
        key = delivery_key(sender.oin, event.source, event.id)
        if await self.records.was_received(key):
            return Receipt.ALREADY_RECEIVED
        # Queued (and confirmed by the broker) before it counts as received: a crash in between
        # leaves it unreceived, so Open Notificaties' retry queues it again.
        await self.queue.enqueue(_command(sender.oin, event, decision))
        await self.records.mark_received(key, self.clock())
        return Receipt.ACCEPTED


def _command(oin: str, event: ThinEvent, accepted: Accepted) -> ThinEventCommand:
    return ThinEventCommand(
        oin=oin,
        event_id=event.id,
        event_source=event.source,
        event_type=accepted.kind.value,
        event_time=event.time,
        zaak_url=accepted.zaak_url,
    )
