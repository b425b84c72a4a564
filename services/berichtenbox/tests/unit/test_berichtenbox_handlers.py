"""MessageSentHandler with in-memory fakes: decide, store once, answer the sender."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import bson
import pytest
from bson.codec_options import CodecOptions

from berichtenbox.adapters import mongo
from berichtenbox.domain.model import Message, NewMessage, message_id_for
from berichtenbox.handlers import MESSAGE_SENT_TYPE, MessageSentHandler
from berichtenbox.ports import MessageStore
from mijnoverheid.contracts import routing
from mijnoverheid.contracts.envelope import CloudEvent, derived_event_id, encode, source_for
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.messaging.consumer import InboundDelivery, PoisonMessageError
from mijnoverheid.messaging.publisher import EventPublisher
from mijnoverheid.settings import REPOSITORY_ROOT

PLATFORM_SOURCE = source_for("00000001234567890000", "berichtenbox")
BSN = "999993653"
INVALID_BSN = "999993654"
START = datetime(2026, 1, 15, 9, 30, 0, 123456, tzinfo=UTC)


# --- fakes ---------------------------------------------------------------------------------


class InMemoryMessageStore:
    """Honours ports.MessageStore: one message per (event source, event id)."""

    def __init__(self) -> None:
        self.messages: dict[tuple[str, str], Message] = {}
        self.files: dict[str, bytes] = {}
        self.adds = 0

    async def by_event(self, event_source: str, event_id: str) -> Message | None:
        return self.messages.get((event_source, event_id))

    async def add(self, new: NewMessage) -> Message:
        self.adds += 1
        key = (new.message.event_source, new.message.event_id)
        if key in self.messages:
            return self.messages[key]
        for file, content in zip(new.message.attachments, new.attachment_contents, strict=True):
            self.files[file.file_id] = content
        self.messages[key] = new.message
        return new.message


class RacingMessageStore(InMemoryMessageStore):
    """A competing consumer stores the same message between our lookup and our add."""

    def __init__(self, competitor: Message) -> None:
        super().__init__()
        self._competitor = competitor

    async def by_event(self, event_source: str, event_id: str) -> Message | None:
        found = await super().by_event(event_source, event_id)
        if found is None:
            self.messages[(event_source, event_id)] = self._competitor
        return found


class BsonMessageStore(InMemoryMessageStore):
    """Keeps messages as the Mongo adapter's BSON documents, as MongoDB would."""

    def __init__(self) -> None:
        super().__init__()
        self.documents: dict[tuple[str, str], bytes] = {}

    async def by_event(self, event_source: str, event_id: str) -> Message | None:
        stored = self.documents.get((event_source, event_id))
        if stored is None:
            return None
        document = bson.decode(stored, codec_options=CodecOptions(tz_aware=True))
        return mongo._to_message(document)

    async def add(self, new: NewMessage) -> Message:
        key = (new.message.event_source, new.message.event_id)
        self.documents.setdefault(key, bson.encode(mongo._to_document(new.message)))
        return await super().add(new)


@dataclass
class RecordingPublisher:
    published: list[tuple[CloudEvent, str]] = field(default_factory=list)

    async def publish(self, event: CloudEvent, routing_key: str) -> None:
        self.published.append((event, routing_key))


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


# --- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")


def organisation(registry: OrganisationRegistry, broker_user: str) -> Organisation:
    found = registry.by_broker_user(broker_user)
    assert found is not None
    return found


@pytest.fixture
def belastingdienst(registry: OrganisationRegistry) -> Organisation:
    return organisation(registry, "belastingdienst")


@pytest.fixture
def store() -> InMemoryMessageStore:
    return InMemoryMessageStore()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_handler(
    store: MessageStore,
    publisher: EventPublisher,
    registry: OrganisationRegistry,
    clock: Clock,
) -> MessageSentHandler:
    return MessageSentHandler(store, publisher, registry, PLATFORM_SOURCE, clock)


@pytest.fixture
def handler(
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    registry: OrganisationRegistry,
    clock: Clock,
) -> MessageSentHandler:
    return make_handler(store, publisher, registry, clock)


def message_sent(sender: Organisation, event_id: str = "evt-0001", **data: Any) -> InboundDelivery:
    document = {
        "specversion": "1.0",
        "id": event_id,
        "source": source_for(sender.oin, "zaaksysteem"),
        "type": MESSAGE_SENT_TYPE,
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
        routing_key=routing.MESSAGE_SENT.key(sender.oin),
        user_id=sender.broker_user,
        message_id=event_id,
    )


def only(publisher: RecordingPublisher) -> tuple[CloudEvent, str]:
    assert len(publisher.published) == 1, publisher.published
    return publisher.published[0]


# --- tests ---------------------------------------------------------------------------------


async def test_a_valid_message_is_stored_once_and_delivered(
    handler: MessageSentHandler,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
) -> None:
    await handler(message_sent(belastingdienst))

    source = source_for(belastingdienst.oin, "zaaksysteem")
    assert list(store.messages) == [(source, "evt-0001")]
    stored = store.messages[(source, "evt-0001")]
    assert stored.message_id == message_id_for(source, "evt-0001")
    assert stored.recipient_bsn == BSN
    assert stored.sender_oin == belastingdienst.oin
    assert stored.sender_name == "Belastingdienst"
    assert stored.delivered_at == START
    assert stored.folder == "inbox"

    event, key = only(publisher)
    assert key == f"berichtenbox.message-delivered.{belastingdienst.oin}"
    assert event.type == "nl.mijnoverheid.berichtenbox.message-delivered"
    assert event.source == PLATFORM_SOURCE
    assert event.id == derived_event_id(source, "evt-0001", "message-delivered")
    assert event.time == START
    assert event.data == {
        "message_id": stored.message_id,
        "sent_event_id": "evt-0001",
        "sender_oin": belastingdienst.oin,
        "reference": "KENMERK-1",
        "recipient_bsn": BSN,
        "legal_effect": True,
        "kind": "aanslag",
        "deadline": "2026-03-01",
        "delivered_at": START.isoformat().replace("+00:00", "Z"),
    }


async def test_the_receipt_does_not_carry_the_message_content(
    handler: MessageSentHandler, publisher: RecordingPublisher, belastingdienst: Organisation
) -> None:
    await handler(message_sent(belastingdienst, subject="Vertrouwelijk-7731"))
    event, _ = only(publisher)
    assert b"Vertrouwelijk-7731" not in encode(event)
    assert b"hierbij ontvangt u" not in encode(event)


async def test_a_redelivery_stores_nothing_new_and_re_emits_the_same_event(
    handler: MessageSentHandler,
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


async def test_different_events_become_different_messages(
    handler: MessageSentHandler,
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
    publisher: RecordingPublisher,
    registry: OrganisationRegistry,
    clock: Clock,
    belastingdienst: Organisation,
) -> None:
    # First a normal delivery elsewhere (earlier), whose stored message wins the race.
    elsewhere = InMemoryMessageStore()
    await make_handler(elsewhere, RecordingPublisher(), registry, clock)(
        message_sent(belastingdienst)
    )
    (competitor,) = elsewhere.messages.values()

    clock.advance(5)
    store = RacingMessageStore(competitor)
    await make_handler(store, publisher, registry, clock)(message_sent(belastingdienst))

    event, _ = only(publisher)
    assert event.time == competitor.delivered_at == START
    assert event.data["message_id"] == competitor.message_id


async def test_an_invalid_bsn_is_rejected_and_nothing_is_stored(
    handler: MessageSentHandler,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
) -> None:
    await handler(message_sent(belastingdienst, recipient_bsn=INVALID_BSN))

    assert store.messages == {}
    assert store.adds == 0
    event, key = only(publisher)
    assert key == f"berichtenbox.message-rejected.{belastingdienst.oin}"
    assert event.type == "nl.mijnoverheid.berichtenbox.message-rejected"
    assert event.source == PLATFORM_SOURCE
    assert event.id == derived_event_id(belastingdienst.oin, "evt-0001", "message-rejected")
    assert event.time == START
    assert event.data["reason"] == "invalid-bsn"
    assert event.data["rejected_event_id"] == "evt-0001"
    assert event.data["rejected_event_type"] == MESSAGE_SENT_TYPE
    assert INVALID_BSN.encode() not in encode(event)


async def test_a_rejection_repeated_has_the_same_id(
    handler: MessageSentHandler,
    publisher: RecordingPublisher,
    clock: Clock,
    belastingdienst: Organisation,
) -> None:
    delivery = message_sent(belastingdienst, recipient_bsn=INVALID_BSN)
    await handler(delivery)
    clock.advance(60)
    await handler(delivery)
    (first, _), (second, _) = publisher.published
    assert first.id == second.id


@pytest.mark.parametrize(
    ("broker_user", "reason"),
    [("stichting-voorbeeld", "bsn-not-allowed"), ("rdw", "service-not-allowed")],
)
async def test_refused_organisations_are_told_on_their_own_key(
    handler: MessageSentHandler,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    registry: OrganisationRegistry,
    broker_user: str,
    reason: str,
) -> None:
    sender = organisation(registry, broker_user)
    await handler(message_sent(sender))
    assert store.messages == {}
    event, key = only(publisher)
    assert key == routing.MESSAGE_REJECTED.key(sender.oin)
    assert event.data["reason"] == reason


async def test_a_malformed_envelope_is_rejected_without_an_event_type(
    handler: MessageSentHandler, publisher: RecordingPublisher, belastingdienst: Organisation
) -> None:
    delivery = InboundDelivery(
        body=json.dumps({"id": "evt-kapot", "specversion": "1.0"}).encode(),
        routing_key=routing.MESSAGE_SENT.key(belastingdienst.oin),
        user_id=belastingdienst.broker_user,
        message_id=None,
    )
    await handler(delivery)
    event, key = only(publisher)
    assert key == routing.MESSAGE_REJECTED.key(belastingdienst.oin)
    assert event.data["reason"] == "malformed"
    assert event.data["rejected_event_id"] == "evt-kapot"
    assert "rejected_event_type" not in event.data


@pytest.mark.parametrize("user_id", [None, "onbekend", "berichtenbox"])
async def test_an_unknown_publisher_is_poison_and_nobody_is_answered(
    handler: MessageSentHandler,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
    user_id: str | None,
) -> None:
    valid = message_sent(belastingdienst)
    delivery = InboundDelivery(valid.body, valid.routing_key, user_id, valid.message_id)
    with pytest.raises(PoisonMessageError):
        await handler(delivery)
    assert store.messages == {}
    assert publisher.published == []


async def test_a_body_without_an_id_is_poison(
    handler: MessageSentHandler, publisher: RecordingPublisher, belastingdienst: Organisation
) -> None:
    delivery = InboundDelivery(
        b"geen json",
        routing.MESSAGE_SENT.key(belastingdienst.oin),
        belastingdienst.broker_user,
        None,
    )
    with pytest.raises(PoisonMessageError):
        await handler(delivery)
    assert publisher.published == []


@pytest.mark.xfail(
    strict=True,
    reason="BUG: an id with a lone surrogate escape (\\ud800) passes json.loads but not "
    "pydantic; the rejection then fails with UnicodeEncodeError, which the consumer treats as "
    "transient: retried up to the delivery limit instead of rejected or dead-lettered at once",
)
async def test_an_id_that_is_no_unicode_is_rejected_or_poison_never_a_crash(
    handler: MessageSentHandler, publisher: RecordingPublisher, belastingdienst: Organisation
) -> None:
    delivery = InboundDelivery(
        b'{"specversion": "1.0", "id": "\\ud800"}',
        routing.MESSAGE_SENT.key(belastingdienst.oin),
        belastingdienst.broker_user,
        None,
    )
    try:
        await handler(delivery)
    except PoisonMessageError:
        return
    event, _ = only(publisher)
    assert event.data["reason"] == "malformed"


async def test_a_failing_publish_propagates_after_the_message_is_stored(
    store: InMemoryMessageStore,
    registry: OrganisationRegistry,
    clock: Clock,
    belastingdienst: Organisation,
) -> None:
    class BrokenPublisher:
        async def publish(self, event: CloudEvent, routing_key: str) -> None:
            raise ConnectionError("broker away")

    with pytest.raises(ConnectionError):
        await make_handler(store, BrokenPublisher(), registry, clock)(message_sent(belastingdienst))
    # Stored, so the redelivery (the trigger was not acked) only re-emits the receipt.
    assert len(store.messages) == 1
    publisher = RecordingPublisher()
    await make_handler(store, publisher, registry, clock)(message_sent(belastingdienst))
    assert store.adds == 1
    assert len(publisher.published) == 1


async def test_attachments_are_stored_with_the_message(
    handler: MessageSentHandler,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
) -> None:
    attachment = {"file_name": "aanslag.pdf", "media_type": "application/pdf", "content": "YWJj"}
    await handler(message_sent(belastingdienst, attachments=[attachment]))
    (stored,) = store.messages.values()
    (file,) = stored.attachments
    assert store.files == {file.file_id: b"abc"}
    event, _ = only(publisher)
    assert b"YWJj" not in encode(event)


@pytest.mark.xfail(
    strict=True,
    reason="BUG: delivered_at comes from the clock with microseconds; MongoDB keeps "
    "milliseconds, so a redelivered message-sent re-emits message-delivered with the same id "
    "but another `time`/`delivered_at` than the first time (truncate the clock to ms)",
)
async def test_a_redelivery_after_a_real_store_round_trip_re_emits_an_identical_event(
    publisher: RecordingPublisher,
    registry: OrganisationRegistry,
    clock: Clock,
    belastingdienst: Organisation,
) -> None:
    handler = make_handler(BsonMessageStore(), publisher, registry, clock)
    delivery = message_sent(belastingdienst)
    await handler(delivery)
    await handler(delivery)
    (first, _), (second, _) = publisher.published
    assert first.id == second.id
    assert encode(first) == encode(second)
