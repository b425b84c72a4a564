"""MessageSentHandler with in-memory fakes: a redelivered event stores nothing new and is answered
with the same event, also after a competing consumer or a failed publish."""

from __future__ import annotations

from typing import Any

import bson
import pytest
from bson.codec_options import CodecOptions

from berichtenbox.adapters import messages as mongo
from berichtenbox.domain.message import Message, NewMessage
from berichtenbox.ports import Stored
from mijnoverheid.contracts.envelope import CloudEvent, encode
from mijnoverheid.identity import Organisation
from services.berichtenbox.tests.unit.fakes import (
    RecordingPublisher,
)
from services.berichtenbox.tests.unit.message_sent.harness import (
    START_MS,
    Clock,
    Gate,
    InMemoryMessageStore,
    Parts,
    message_sent,
    only,
)


class RacingMessageStore(InMemoryMessageStore):
    """A competing consumer stores the same message just before our insert."""

    def __init__(self, competitor: Message) -> None:
        super().__init__()
        self._competitor = competitor

    async def add(self, new: NewMessage) -> Stored:
        self.messages.setdefault(self._competitor.message_id, self._competitor)
        return await super().add(new)


class BsonMessageStore(InMemoryMessageStore):
    """Keeps messages as the Mongo adapter's BSON documents, as MongoDB would."""

    def __init__(self) -> None:
        super().__init__()
        self.documents: dict[str, bytes] = {}

    async def by_id(self, message_id: str) -> Message | None:
        stored = self.documents.get(message_id)
        if stored is None:
            return None
        document: dict[str, Any] = bson.decode(stored, codec_options=CodecOptions(tz_aware=True))
        return mongo._to_message(document)

    async def add(self, new: NewMessage) -> Stored:
        self.documents.setdefault(
            new.message.message_id, bson.encode(mongo._to_document(new.message))
        )
        return await super().add(new)


async def test_a_redelivery_stores_nothing_new_and_re_emits_the_same_event(
    handler: Gate,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    clock: Clock,
    belastingdienst: Organisation,
) -> None:
    delivery = message_sent(belastingdienst)
    await handler(delivery)
    clock.advance(90)
    await handler(delivery)

    assert len(store.messages) == 1
    assert store.adds == 1
    assert len(publisher.published) == 2
    (first, first_key), (second, second_key) = publisher.published
    assert first_key == second_key
    assert first.id == second.id
    assert encode(first) == encode(second)


async def test_a_redelivery_after_a_real_store_round_trip_re_emits_an_identical_event(
    parts: Parts, publisher: RecordingPublisher, clock: Clock, belastingdienst: Organisation
) -> None:
    # MongoDB keeps milliseconds: the message reloaded must give the same event, bit for bit.
    handler = parts.handler(BsonMessageStore(), publisher)
    delivery = message_sent(belastingdienst, expires_at="2026-06-01T12:00:00.987654+02:00")
    await handler(delivery)
    clock.advance(1.5)
    await handler(delivery)
    (first, _), (second, _) = publisher.published
    assert first.id == second.id
    assert encode(first) == encode(second)


async def test_different_events_become_different_messages(
    handler: Gate,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
) -> None:
    await handler(message_sent(belastingdienst, "evt-0001"))
    await handler(message_sent(belastingdienst, "evt-0002"))
    assert len(store.messages) == 2
    ids = {event.id for event, _ in publisher.published}
    assert len(ids) == 2


async def test_a_message_stored_by_a_competing_consumer_is_answered_as_stored(
    parts: Parts,
    publisher: RecordingPublisher,
    clock: Clock,
    belastingdienst: Organisation,
) -> None:
    # First a normal delivery elsewhere (earlier), whose stored message wins the race.
    elsewhere = InMemoryMessageStore()
    await parts.handler(elsewhere, RecordingPublisher())(message_sent(belastingdienst))
    (competitor,) = elsewhere.messages.values()

    clock.advance(5)
    store = RacingMessageStore(competitor)
    await parts.handler(store, publisher)(message_sent(belastingdienst))

    event, _ = only(publisher)
    assert event.time == competitor.delivered_at == START_MS
    assert event.data["message_id"] == competitor.message_id


async def test_a_failing_publish_propagates_after_the_message_is_stored(
    parts: Parts, store: InMemoryMessageStore, belastingdienst: Organisation
) -> None:
    class BrokenPublisher:
        async def publish(self, event: CloudEvent, routing_key: str) -> None:
            raise ConnectionError("broker away")

    with pytest.raises(ConnectionError):
        await parts.handler(store, BrokenPublisher())(message_sent(belastingdienst))
    # Stored, so the redelivery (the trigger was not acked) only re-emits the receipt.
    assert len(store.messages) == 1
    publisher = RecordingPublisher()
    await parts.handler(store, publisher)(message_sent(belastingdienst))
    assert store.adds == 1
    assert len(publisher.published) == 1
