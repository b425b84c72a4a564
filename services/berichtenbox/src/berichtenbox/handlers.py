"""One function per incoming event: decide, save, emit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from berichtenbox.adapters import outbound
from berichtenbox.domain import model
from berichtenbox.ports import MessageStore
from mijnoverheid.contracts import routing
from mijnoverheid.contracts.berichtenbox import SERVICE, MessageSent
from mijnoverheid.contracts.envelope import event_type
from mijnoverheid.faults import failpoint
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Refused, accept_inbound
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.publisher import EventPublisher

MESSAGE_SENT_TYPE = event_type(SERVICE, "message-sent")


class MessageSentHandler:
    def __init__(
        self,
        store: MessageStore,
        publisher: EventPublisher,
        registry: OrganisationRegistry,
        source: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._registry = registry
        self._source = source
        self._clock = clock

    async def __call__(self, delivery: InboundDelivery) -> None:
        outcome = accept_inbound(delivery, self._registry, SERVICE, MESSAGE_SENT_TYPE, MessageSent)
        if isinstance(outcome, Refused):
            rejected = outbound.message_rejected(outcome, self._source, self._clock())
            await self._publisher.publish(
                rejected, routing.MESSAGE_REJECTED.key(outcome.sender.oin)
            )
            return
        event = outcome.event
        message = await self._store.by_event(event.source, event.id)
        if message is None:
            new = model.receive(
                event_source=event.source,
                event_id=event.id,
                sent_at=event.time,
                sender_oin=outcome.sender.oin,
                sender_name=outcome.sender.name,
                data=outcome.data,
                now=self._clock(),
            )
            message = await self._store.add(new)
            failpoint("berichtenbox.after-store")
        delivered = outbound.message_delivered(message, self._source)
        await self._publisher.publish(delivered, routing.MESSAGE_DELIVERED.key(message.sender_oin))
