"""message-sent: store once, record the arrival in the trail, answer with a receipt."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from berichtenbox.adapters import outbound
from berichtenbox.domain import model
from berichtenbox.domain.receipt import ReceiptSigner
from berichtenbox.domain.trail import TrailKind
from berichtenbox.ports import MessageStore, Record, Trail
from mijnoverheid.contracts import routing
from mijnoverheid.contracts.berichtenbox import SERVICE, MessageSent
from mijnoverheid.contracts.envelope import CloudEvent, event_type
from mijnoverheid.contracts.rejection import RejectionReason
from mijnoverheid.faults import failpoint
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Accepted, Refused, accept_inbound
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.publisher import EventPublisher

MESSAGE_SENT_TYPE = event_type(SERVICE, "message-sent")


class MessageSentHandler:
    def __init__(
        self,
        *,
        store: MessageStore,
        trail: Trail,
        publisher: EventPublisher,
        registry: OrganisationRegistry,
        signer: ReceiptSigner,
        retention: model.RetentionPolicy,
        source: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._trail = trail
        self._publisher = publisher
        self._registry = registry
        self._signer = signer
        self._retention = retention
        self._source = source
        self._clock = clock

    async def __call__(self, delivery: InboundDelivery) -> None:
        outcome = accept_inbound(delivery, self._registry, SERVICE, MESSAGE_SENT_TYPE, MessageSent)
        if isinstance(outcome, Refused):
            await self._reject(outcome)
            return
        await self._deliver(outcome)

    async def _deliver(self, outcome: Accepted[MessageSent]) -> None:
        """Store (unless stored before), record the arrival, send the receipt."""
        event = outcome.event
        # By _id (derived from the event): no query for the event's (source, id).
        message = await self._store.by_id(model.message_id_for(event.source, event.id))
        if message is None:
            try:
                new = self._receive(outcome)
            except model.ExpiryOutOfBoundsError as error:
                await self._reject(_refused(outcome, RejectionReason.EXPIRY_OUT_OF_BOUNDS, error))
                return
            message = await self._store.add(new)
            failpoint("berichtenbox.after-store")
        await self._record_arrival(message, event)
        delivered = outbound.message_delivered(message, self._source, self._signer)
        await self._publisher.publish(delivered, routing.MESSAGE_DELIVERED.key(message.sender_oin))

    def _receive(self, outcome: Accepted[MessageSent]) -> model.NewMessage:
        return model.receive(
            event_source=outcome.event.source,
            event_id=outcome.event.id,
            sent_at=outcome.event.time,
            sender_oin=outcome.sender.oin,
            sender_name=outcome.sender.name,
            data=outcome.data,
            now=self._clock(),
            retention=self._retention,
        )

    async def _record_arrival(self, message: model.Message, event: CloudEvent) -> None:
        # Idempotent per cause, so a redelivery after a crash completes a half-written trail.
        await self._trail.append_all(message.message_id, _arrival(message, event))

    async def handle_batch(
        self, deliveries: Sequence[InboundDelivery]
    ) -> list[BaseException | None]:
        """The same decisions as for one delivery, with the writes of a batch made together:
        one write for the messages, one for their first trail entries."""
        work: list[Awaitable[None] | None] = [None] * len(deliveries)
        fresh: dict[int, tuple[model.NewMessage, CloudEvent]] = {}
        for index, delivery in enumerate(deliveries):
            try:
                work[index] = self._prepare(delivery, index, fresh)
            except Exception as error:  # one delivery's fault must not fail its whole batch
                work[index] = _raise(error)
        stored = await self._store.add_many([new for new, _ in fresh.values()])
        failpoint("berichtenbox.after-store")
        events = [event for _, event in fresh.values()]
        await self._trail.start_many(
            {
                message.message_id: _arrival(message, event)
                for message, event in zip(stored, events, strict=True)
            }
        )
        for index, message in zip(fresh, stored, strict=True):
            delivered = outbound.message_delivered(message, self._source, self._signer)
            key = routing.MESSAGE_DELIVERED.key(message.sender_oin)
            work[index] = self._publisher.publish(delivered, key)
        results = await asyncio.gather(*(job or _none() for job in work), return_exceptions=True)
        return [result if isinstance(result, BaseException) else None for result in results]

    def _prepare(
        self,
        delivery: InboundDelivery,
        index: int,
        fresh: dict[int, tuple[model.NewMessage, CloudEvent]],
    ) -> Awaitable[None] | None:
        """What a delivery in a batch needs: its own work, or a place among `fresh` messages
        that are written together (None)."""
        outcome = accept_inbound(delivery, self._registry, SERVICE, MESSAGE_SENT_TYPE, MessageSent)
        if isinstance(outcome, Refused):
            return self._reject(outcome)
        if outcome.data.attachments:
            return self._deliver(outcome)  # attachments go to GridFS one by one
        try:
            fresh[index] = (self._receive(outcome), outcome.event)
        except model.ExpiryOutOfBoundsError:
            # Perhaps a redelivery of a message stored earlier (when it was in bounds):
            # _deliver looks for the stored message before judging the expiry.
            return self._deliver(outcome)
        return None

    async def _reject(self, refused: Refused) -> None:
        rejected = outbound.message_rejected(refused, self._source, self._clock())
        await self._publisher.publish(rejected, routing.MESSAGE_REJECTED.key(refused.sender.oin))


def _arrival(message: model.Message, event: CloudEvent) -> list[Record]:
    return [
        Record(
            TrailKind.SUBMITTED,
            "submitted",
            message.sent_at,
            {"event_id": event.id, "sender_oin": message.sender_oin},
        ),
        Record(
            TrailKind.STORED,
            "stored",
            message.delivered_at,
            {"content_digest": message.content_digest},
        ),
    ]


async def _none() -> None:
    return None


async def _raise(error: BaseException) -> None:
    raise error


def _refused(outcome: Accepted[MessageSent], reason: RejectionReason, error: Exception) -> Refused:
    return Refused(outcome.sender, outcome.event.id, outcome.event.type, reason, str(error))
