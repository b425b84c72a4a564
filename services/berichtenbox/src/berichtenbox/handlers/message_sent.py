"""message-sent: store once, record the arrival in the trail, answer with a receipt."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from berichtenbox.adapters import outbound
from berichtenbox.domain import eligibility
from berichtenbox.domain import message as messages
from berichtenbox.domain.receipt import ReceiptSigner
from berichtenbox.domain.trail import TrailKind
from berichtenbox.ports import CitizenDirectory, MessageStore, Record, Stored, Trail
from mijnoverheid.contracts import events
from mijnoverheid.faults import failpoint
from mijnoverheid.kernel import Refusal
from mijnoverheid.messaging.publisher import EventPublisher


@dataclass(frozen=True)
class MessageSentHandler:
    store: MessageStore
    citizens: CitizenDirectory
    trail: Trail
    publisher: EventPublisher
    signer: ReceiptSigner
    retention: messages.RetentionPolicy
    source: str
    clock: Callable[[], datetime]

    async def __call__(self, command: messages.ReceiveMessage) -> None:
        stored = await self._store_once(command)
        failpoint("berichtenbox.after-store")
        message = stored.message
        arrival = _arrival(message)
        if stored.new:
            await self.trail.start(message.message_id, arrival)
        else:
            # A redelivery after a crash completes a half-written trail (idempotent per cause).
            await self.trail.append_all(message.message_id, arrival)
        delivered = outbound.message_delivered(message, self.source, self.signer)
        await self.publisher.publish(delivered, events.MESSAGE_DELIVERED.key(message.sender_oin))

    async def _store_once(self, command: messages.ReceiveMessage) -> Stored:
        try:
            await self._require_digital(command)
            new = messages.receive(command, now=self.clock(), retention=self.retention)
        except Refusal:
            # Perhaps a redelivery of a message stored earlier, when it was acceptable (its
            # expiry in bounds, the citizen's consent not yet withdrawn): it stays delivered.
            stored = await self.store.by_id(messages.message_id_for(command.origin))
            if stored is None:
                raise
            return Stored(stored, new=False)
        return await self.store.add(new)

    async def _require_digital(self, command: messages.ReceiveMessage) -> None:
        bsn, oin = command.submission.recipient_bsn, command.origin.sender_oin
        activated_at = await self.citizens.activated_at(bsn)
        changes = await self.citizens.consent_changes(bsn, oin) if activated_at else []
        eligibility.require_digital(activated_at, changes, oin)


def _arrival(message: messages.Message) -> list[Record]:
    return [
        Record(
            TrailKind.SUBMITTED,
            "submitted",
            message.sent_at,
            {"event_id": message.event_id, "sender_oin": message.sender_oin},
        ),
        Record(
            TrailKind.STORED,
            "stored",
            message.delivered_at,
            {"content_digest": message.content_digest},
        ),
    ]
