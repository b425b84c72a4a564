"""In-memory message stores, a clock and the message-sent subscription's gate in front of the
real MessageSentHandler, shared by the message-sent tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from berichtenbox.adapters.signing import Ed25519ReceiptSigner
from berichtenbox.domain.message import Message, NewMessage, RetentionPolicy
from berichtenbox.entrypoints.subscriptions import Handlers, TrustedPublishers, subscriptions
from berichtenbox.handlers.message_sent import MessageSentHandler
from berichtenbox.ports import MessageStore, Stored, Trail
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent, source_for
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.gate import FromOrganisations, RejectWith
from mijnoverheid.messaging.publisher import EventPublisher
from services.berichtenbox.tests.unit.fakes import (
    InMemoryCitizens,
    InMemoryTrail,
    RecordingPublisher,
)

PLATFORM_SOURCE = source_for("00000001234567890000", "berichtenbox")


BSN = "999993653"


INVALID_BSN = "999993654"


# Microseconds on purpose: what is stored and signed is kept to milliseconds.
START = datetime(2026, 1, 15, 9, 30, 0, 123456, tzinfo=UTC)


START_MS = START.replace(microsecond=123000)


RETENTION = RetentionPolicy()


# --- fakes ---------------------------------------------------------------------------------


class InMemoryMessageStore:
    """Honours ports.MessageStore: one message per id (derived from the event)."""

    def __init__(self) -> None:
        self.messages: dict[str, Message] = {}
        self.files: dict[str, bytes] = {}
        self.adds = 0

    async def by_id(self, message_id: str) -> Message | None:
        return self.messages.get(message_id)

    async def add(self, new: NewMessage) -> Stored:
        if new.message.message_id in self.messages:
            return Stored(self.messages[new.message.message_id], new=False)
        self.adds += 1
        for file, content in zip(new.message.attachments, new.attachment_contents, strict=True):
            self.files[file.file_id] = content
        self.messages[new.message.message_id] = new.message
        return Stored(new.message, new=True)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


# --- helpers -------------------------------------------------------------------------------

Gate = FromOrganisations[Any, Any]


async def _unused(command: object) -> None:
    raise AssertionError("not this subscription")


def organisation(registry: OrganisationRegistry, broker_user: str) -> Organisation:
    found = registry.by_broker_user(broker_user)
    assert found is not None
    return found


@dataclass
class Parts:
    registry: OrganisationRegistry
    signer: Ed25519ReceiptSigner
    trail: InMemoryTrail
    clock: Clock
    # Every citizen has an account and consents, unless a test says otherwise.
    citizens: InMemoryCitizens = field(default_factory=lambda: InMemoryCitizens(everyone=True))

    def handler(self, store: MessageStore, publisher: EventPublisher) -> Gate:
        """The message-sent subscription's gate, in front of the real handler."""
        typed_trail: Trail = self.trail
        handler = MessageSentHandler(
            store,
            self.citizens,
            typed_trail,
            publisher,
            self.signer,
            RETENTION,
            PLATFORM_SOURCE,
            self.clock,
        )
        unused = _unused
        handlers = Handlers(
            message_sent=handler,
            status_requested=unused,
            notification_changed=unused,
            digital_delivery_requested=unused,
            account_activated=unused,
            consent_changed=unused,
            grant_given=unused,
            grant_withdrawn=unused,
        )
        reject = RejectWith(events.MESSAGE_REJECTED, publisher, PLATFORM_SOURCE, self.clock)
        trusted = TrustedPublishers(notifier="notifier", portal="portal")
        gate = subscriptions(handlers, self.registry, reject, trusted)[0]
        assert isinstance(gate, FromOrganisations)
        return gate


def message_sent(sender: Organisation, event_id: str = "evt-0001", **data: Any) -> InboundDelivery:
    document = {
        "specversion": "1.0",
        "id": event_id,
        "source": source_for(sender.oin, "zaaksysteem"),
        "type": events.MESSAGE_SENT.type,
        "time": "2026-01-15T10:00:00+01:00",
        "data": {
            "recipient_bsn": BSN,
            "subject": "Uw aanslag inkomstenbelasting 2025",
            "body": "Geachte heer/mevrouw, hierbij ontvangt u uw aanslag.",
            "reference": "KENMERK-1",
            "legal_effect": True,
            "kind": "aanslag",
            "deadline": "2026-03-01",
            **data,
        },
    }
    return InboundDelivery(
        body=json.dumps(document).encode(),
        routing_key=events.MESSAGE_SENT.key(sender.oin),
        user_id=sender.broker_user,
        message_id=event_id,
    )


def only(publisher: RecordingPublisher) -> tuple[CloudEvent, str]:
    assert len(publisher.published) == 1, publisher.published
    return publisher.published[0]
