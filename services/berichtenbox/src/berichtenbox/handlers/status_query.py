"""message-status-requested: an organisation asks what happened to its own messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from berichtenbox.adapters import outbound
from berichtenbox.domain.status import status_of
from berichtenbox.ports import MessageStore, Trail
from mijnoverheid.contracts import routing
from mijnoverheid.contracts.berichtenbox import SERVICE, MessageStatusRequested
from mijnoverheid.contracts.envelope import event_type
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Refused, accept_inbound
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.publisher import EventPublisher

REQUEST_TYPE = event_type(SERVICE, "message-status-requested")


class MessageStatusQueryHandler:
    def __init__(
        self,
        *,
        store: MessageStore,
        trail: Trail,
        publisher: EventPublisher,
        registry: OrganisationRegistry,
        source: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._trail = trail
        self._publisher = publisher
        self._registry = registry
        self._source = source
        self._clock = clock

    async def __call__(self, delivery: InboundDelivery) -> None:
        outcome = accept_inbound(
            delivery, self._registry, SERVICE, REQUEST_TYPE, MessageStatusRequested
        )
        if isinstance(outcome, Refused):
            rejected = outbound.message_rejected(outcome, self._source, self._clock())
            await self._publisher.publish(
                rejected, routing.MESSAGE_REJECTED.key(outcome.sender.oin)
            )
            return
        asker = outcome.sender.oin
        found, not_found = [], []
        for message_id in dict.fromkeys(outcome.data.message_ids):
            message = await self._store.by_id(message_id)
            # Another organisation's message is reported exactly like an unknown one.
            if message is None or message.sender_oin != asker:
                not_found.append(message_id)
                continue
            entries = await self._trail.entries(message_id)
            found.append(status_of(message, entries, outcome.data.include_trail))
        reply = outbound.message_status(
            outcome.event, found, not_found, self._source, self._clock()
        )
        await self._publisher.publish(reply, routing.MESSAGE_STATUS.key(asker))
