"""MessageSentHandler with in-memory fakes: decide, store once, answer the sender."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import bson
import pytest
from bson.codec_options import CodecOptions
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from berichtenbox.adapters import messages as mongo
from berichtenbox.adapters.signing import Ed25519ReceiptSigner
from berichtenbox.domain.eligibility import ConsentChange
from berichtenbox.domain.message import Message, NewMessage, RetentionPolicy, message_id_for
from berichtenbox.domain.trail import TrailKind, verify_chain
from berichtenbox.entrypoints.subscriptions import Handlers, TrustedPublishers, subscriptions
from berichtenbox.handlers.message_sent import MessageSentHandler
from berichtenbox.ports import MessageStore, Stored, Trail
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent, derived_event_id, encode, source_for
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.kernel import Origin, UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.gate import FromOrganisations, RejectWith
from mijnoverheid.messaging.publisher import EventPublisher
from mijnoverheid.settings import REPOSITORY_ROOT
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


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


# --- fixtures and helpers --------------------------------------------------------------------

Gate = FromOrganisations[Any, Any]


async def _unused(command: object) -> None:
    raise AssertionError("not this subscription")


def origin_of(source: str, event_id: str) -> Origin:
    # Only the source and the id decide a message's id.
    return Origin("", "", source, event_id, START)


async def concurrently(gate: Gate, deliveries: list[InboundDelivery]) -> list[Any]:
    """Deliveries handled at once, as a consumer with prefetch does: the store's writes of
    concurrent deliveries are shared (see the adapters), the outcomes stay per delivery."""
    outcomes = await asyncio.gather(*(gate(d) for d in deliveries), return_exceptions=True)
    return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")


@pytest.fixture(scope="module")
def signer() -> Ed25519ReceiptSigner:
    return Ed25519ReceiptSigner(Ed25519PrivateKey.generate())


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
def trail() -> InMemoryTrail:
    return InMemoryTrail()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def clock() -> Clock:
    return Clock()


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
        )
        reject = RejectWith(events.MESSAGE_REJECTED, publisher, PLATFORM_SOURCE, self.clock)
        trusted = TrustedPublishers(notifier="notifier", portal="portal")
        gate = subscriptions(handlers, self.registry, reject, trusted)[0]
        assert isinstance(gate, FromOrganisations)
        return gate


@pytest.fixture
def parts(
    registry: OrganisationRegistry, signer: Ed25519ReceiptSigner, trail: InMemoryTrail, clock: Clock
) -> Parts:
    return Parts(registry, signer, trail, clock)


@pytest.fixture
def handler(parts: Parts, store: InMemoryMessageStore, publisher: RecordingPublisher) -> Gate:
    return parts.handler(store, publisher)


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


# --- tests ---------------------------------------------------------------------------------


async def test_a_valid_message_is_stored_once_and_delivered(
    handler: Gate,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
) -> None:
    await handler(message_sent(belastingdienst))

    source = source_for(belastingdienst.oin, "zaaksysteem")
    message_id = message_id_for(origin_of(source, "evt-0001"))
    assert list(store.messages) == [message_id]
    stored = store.messages[message_id]
    assert (stored.event_source, stored.event_id) == (source, "evt-0001")
    assert stored.recipient_bsn == BSN
    assert stored.sender_oin == belastingdienst.oin
    assert stored.sender_name == "Belastingdienst"
    assert stored.delivered_at == START_MS
    assert stored.expires_at == START_MS + RETENTION.default
    assert stored.folder == "inbox"

    event, key = only(publisher)
    assert key == f"berichtenbox.message-delivered.{belastingdienst.oin}"
    assert event.type == "nl.mijnoverheid.berichtenbox.message-delivered"
    assert event.source == PLATFORM_SOURCE
    assert event.id == derived_event_id(source, "evt-0001", "message-delivered")
    assert event.time == START_MS
    data = event.data
    assert data["message_id"] == message_id
    assert data["sent_event_id"] == "evt-0001"
    assert data["sender_oin"] == belastingdienst.oin
    assert data["reference"] == "KENMERK-1"
    assert data["recipient_bsn"] == BSN
    assert data["legal_effect"] is True
    assert data["kind"] == "aanslag"
    assert data["deadline"] == "2026-03-01"
    assert datetime.fromisoformat(data["delivered_at"]) == START_MS
    assert data["content_digest"] == stored.content_digest
    assert data["content_digest"].startswith("sha256:")


async def test_the_receipt_is_signed_over_what_was_delivered(
    handler: Gate,
    publisher: RecordingPublisher,
    signer: Ed25519ReceiptSigner,
    belastingdienst: Organisation,
) -> None:
    await handler(message_sent(belastingdienst))
    event, _ = only(publisher)
    receipt = event.data["receipt"]
    assert receipt["algorithm"] == "Ed25519"
    assert receipt["key_id"] == signer.key_id
    payload = json.loads(receipt["payload"])
    assert payload["message_id"] == event.data["message_id"]
    assert payload["content_digest"] == event.data["content_digest"]
    assert payload["recipient_bsn"] == BSN
    assert payload["sent_event_id"] == "evt-0001"
    signature = base64.b64decode(receipt["signature"])
    signed = receipt["payload"].encode("utf-8")
    raw = base64.b64decode(signer.public_key()["public_key"])
    Ed25519PublicKey.from_public_bytes(raw).verify(signature, signed)  # raises if not
    with pytest.raises(InvalidSignature):
        Ed25519PrivateKey.generate().public_key().verify(signature, signed)
    with pytest.raises(InvalidSignature):
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, signed.replace(b"999", b"111"))


async def test_the_arrival_is_recorded_in_the_trail_once(
    handler: Gate,
    store: InMemoryMessageStore,
    trail: InMemoryTrail,
    clock: Clock,
    belastingdienst: Organisation,
) -> None:
    delivery = message_sent(belastingdienst)
    await handler(delivery)
    clock.advance(30)
    await handler(delivery)

    (message_id,) = store.messages
    entries = await trail.entries(message_id)
    assert [entry.kind for entry in entries] == [TrailKind.SUBMITTED, TrailKind.STORED]
    assert verify_chain(entries).valid
    assert entries[1].details == {"content_digest": store.messages[message_id].content_digest}


async def test_the_receipt_does_not_carry_the_message_content(
    handler: Gate, publisher: RecordingPublisher, belastingdienst: Organisation
) -> None:
    await handler(message_sent(belastingdienst, subject="Vertrouwelijk-7731"))
    event, _ = only(publisher)
    assert b"Vertrouwelijk-7731" not in encode(event)
    assert b"hierbij ontvangt u" not in encode(event)


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


async def test_an_invalid_bsn_is_rejected_and_nothing_is_stored(
    handler: Gate,
    store: InMemoryMessageStore,
    trail: InMemoryTrail,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
) -> None:
    await handler(message_sent(belastingdienst, recipient_bsn=INVALID_BSN))

    assert store.messages == {}
    assert store.adds == 0
    assert trail.chains == {}
    event, key = only(publisher)
    assert key == f"berichtenbox.message-rejected.{belastingdienst.oin}"
    assert event.type == "nl.mijnoverheid.berichtenbox.message-rejected"
    assert event.source == PLATFORM_SOURCE
    refused_source = source_for(belastingdienst.oin, "zaaksysteem")
    assert event.id == derived_event_id(refused_source, "evt-0001", "message-rejected")
    assert event.time == START
    assert event.data["reason"] == "invalid-bsn"
    assert event.data["rejected_event_id"] == "evt-0001"
    assert event.data["rejected_event_type"] == events.MESSAGE_SENT.type
    assert INVALID_BSN.encode() not in encode(event)


async def test_a_rejection_repeated_has_the_same_id(
    handler: Gate,
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
    "expires_at",
    [
        pytest.param("2026-01-20T00:00:00Z", id="sooner-than-30-days"),
        pytest.param("2040-01-01T00:00:00Z", id="later-than-10-years"),
        pytest.param("2025-01-01T00:00:00Z", id="in-the-past"),
    ],
)
async def test_an_expiry_out_of_bounds_is_rejected_and_nothing_is_stored(
    handler: Gate,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
    expires_at: str,
) -> None:
    await handler(message_sent(belastingdienst, expires_at=expires_at))
    assert store.messages == {}
    event, key = only(publisher)
    assert key == events.MESSAGE_REJECTED.key(belastingdienst.oin)
    assert event.data["reason"] == "expiry-out-of-bounds"
    assert event.data["rejected_event_type"] == events.MESSAGE_SENT.type


async def test_an_expiry_within_bounds_is_kept(
    handler: Gate, store: InMemoryMessageStore, belastingdienst: Organisation
) -> None:
    await handler(message_sent(belastingdienst, expires_at="2026-06-01T12:00:00+02:00"))
    (stored,) = store.messages.values()
    assert stored.expires_at == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("broker_user", "reason"),
    [("stichting-voorbeeld", "bsn-not-allowed"), ("rdw", "service-not-allowed")],
)
async def test_refused_organisations_are_told_on_their_own_key(
    handler: Gate,
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
    assert key == events.MESSAGE_REJECTED.key(sender.oin)
    assert event.data["reason"] == reason


async def test_a_malformed_envelope_is_rejected_without_an_event_type(
    handler: Gate, publisher: RecordingPublisher, belastingdienst: Organisation
) -> None:
    delivery = InboundDelivery(
        body=json.dumps({"id": "evt-kapot", "specversion": "1.0"}).encode(),
        routing_key=events.MESSAGE_SENT.key(belastingdienst.oin),
        user_id=belastingdienst.broker_user,
        message_id=None,
    )
    await handler(delivery)
    event, key = only(publisher)
    assert key == events.MESSAGE_REJECTED.key(belastingdienst.oin)
    assert event.data["reason"] == "malformed"
    assert event.data["rejected_event_id"] == "evt-kapot"
    assert "rejected_event_type" not in event.data


@pytest.mark.parametrize("user_id", [None, "onbekend", "berichtenbox"])
async def test_an_unknown_publisher_is_poison_and_nobody_is_answered(
    handler: Gate,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
    user_id: str | None,
) -> None:
    valid = message_sent(belastingdienst)
    delivery = InboundDelivery(valid.body, valid.routing_key, user_id, valid.message_id)
    with pytest.raises(UnprocessableEventError):
        await handler(delivery)
    assert store.messages == {}
    assert publisher.published == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"geen json", id="not-json"),
        pytest.param(b'{"specversion": "1.0"}', id="no-id"),
        pytest.param(b'{"specversion": "1.0", "id": "\\ud800"}', id="id-not-unicode"),
    ],
)
async def test_a_body_without_a_usable_id_is_poison(
    handler: Gate,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
    body: bytes,
) -> None:
    delivery = InboundDelivery(
        body,
        events.MESSAGE_SENT.key(belastingdienst.oin),
        belastingdienst.broker_user,
        None,
    )
    with pytest.raises(UnprocessableEventError):
        await handler(delivery)
    assert publisher.published == []


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


async def test_attachments_are_stored_with_the_message(
    handler: Gate,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
) -> None:
    attachment = {
        "file_name": "aanslag.pdf",
        "media_type": "application/pdf",
        "content": "JVBERi1hYmM=",
    }
    await handler(message_sent(belastingdienst, attachments=[attachment]))
    (stored,) = store.messages.values()
    (file,) = stored.attachments
    assert store.files == {file.file_id: b"%PDF-abc"}
    event, _ = only(publisher)
    assert b"JVBERi1hYmM=" not in encode(event)


async def test_a_batch_decides_and_answers_exactly_as_one_by_one(
    registry: OrganisationRegistry,
    signer: Ed25519ReceiptSigner,
    clock: Clock,
    belastingdienst: Organisation,
) -> None:
    stichting = organisation(registry, "stichting-voorbeeld")
    attachment = {"file_name": "a.pdf", "media_type": "application/pdf", "content": "JVBERi1hYmM="}
    answered = [
        message_sent(belastingdienst, "evt-1"),
        message_sent(belastingdienst, "evt-2", recipient_bsn=INVALID_BSN),
        message_sent(belastingdienst, "evt-1"),  # the same event twice in one batch
        message_sent(stichting, "evt-3"),
        message_sent(belastingdienst, "evt-4", attachments=[attachment]),
        message_sent(belastingdienst, "evt-5", expires_at="2026-01-16T00:00:00Z"),
        message_sent(belastingdienst, "evt-6", legal_effect=False),
    ]
    poison = InboundDelivery(
        b"geen json",
        events.MESSAGE_SENT.key(belastingdienst.oin),
        belastingdienst.broker_user,
        None,
    )

    batch = Parts(registry, signer, InMemoryTrail(), clock)
    batch_store, batch_publisher = InMemoryMessageStore(), RecordingPublisher()
    results = await concurrently(batch.handler(batch_store, batch_publisher), [*answered, poison])
    assert results[:-1] == [None] * len(answered)
    assert isinstance(results[-1], UnprocessableEventError)

    single = Parts(registry, signer, InMemoryTrail(), clock)
    single_store, single_publisher = InMemoryMessageStore(), RecordingPublisher()
    handler = single.handler(single_store, single_publisher)
    for delivery in answered:
        await handler(delivery)

    assert batch_store.messages == single_store.messages
    assert len(batch_store.messages) == 3  # evt-1, evt-4, evt-6
    assert batch_store.files == single_store.files
    assert batch.trail.chains == single.trail.chains

    def answers(publisher: RecordingPublisher) -> list[tuple[bytes, str]]:
        return sorted((encode(event), key) for event, key in publisher.published)

    assert answers(batch_publisher) == answers(single_publisher)
    assert len(batch_publisher.published) == len(answered)


async def test_a_batch_of_redeliveries_stores_nothing_new(
    parts: Parts,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    clock: Clock,
    belastingdienst: Organisation,
) -> None:
    handler = parts.handler(store, publisher)
    deliveries = [message_sent(belastingdienst, f"evt-{index}") for index in range(3)]
    assert await concurrently(handler, deliveries) == [None, None, None]
    first = sorted(encode(event) for event, _ in publisher.published)
    stored = dict(store.messages)
    publisher.published.clear()
    clock.advance(120)

    assert await concurrently(handler, deliveries) == [None, None, None]
    assert store.messages == stored
    assert sorted(encode(event) for event, _ in publisher.published) == first
    for message_id in stored:
        assert [entry.cause for entry in await parts.trail.entries(message_id)] == [
            "submitted",
            "stored",
        ]


# --- the batch path under faults (found in review) ------------------------------------------


async def test_a_redelivery_in_a_batch_after_the_expiry_window_moved_is_delivered_not_rejected(
    handler: Gate,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    clock: Clock,
    belastingdienst: Organisation,
) -> None:
    # In bounds when first stored (30 days + 1 hour ahead), out of bounds two hours later.
    expires_at = (clock.now + timedelta(days=30, hours=1)).isoformat()
    delivery = message_sent(belastingdienst, expires_at=expires_at, deadline="2026-02-01")
    await concurrently(handler, [delivery])
    clock.advance(2 * 3600)

    outcomes = await concurrently(handler, [delivery])

    assert outcomes == [None]
    kinds = [event.type.rsplit(".", 1)[-1] for event, _ in publisher.published]
    assert kinds == ["message-delivered", "message-delivered"]
    assert publisher.published[0][0].id == publisher.published[1][0].id
    assert len(store.messages) == 1


async def test_one_delivery_with_an_overflowing_time_does_not_fail_its_batch(
    handler: Gate,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
) -> None:
    good = message_sent(belastingdienst, event_id="evt-good")
    document = json.loads(message_sent(belastingdienst, event_id="evt-far").body)
    document["time"] = "9999-12-31T23:30:00-01:00"  # converting it to UTC would overflow
    far = replace(good, body=json.dumps(document).encode(), message_id="evt-far")

    outcomes = await concurrently(handler, [good, far])

    assert outcomes == [None, None]
    by_kind = {event.type.rsplit(".", 1)[-1]: event for event, _ in publisher.published}
    assert by_kind["message-delivered"].data["sent_event_id"] == "evt-good"
    assert by_kind["message-rejected"].data["reason"] == "malformed"


# --- only to an activated account, only with consent (Wmebv) -------------------------------


@pytest.mark.parametrize(
    ("activated", "consents", "reason"),
    [
        pytest.param(False, [], "account-not-activated", id="no-account"),
        pytest.param(True, [], "no-digital-consent", id="no-consent"),
        pytest.param(True, [(True, 1, "a"), (False, 2, "b")], "no-digital-consent", id="withdrawn"),
        pytest.param(True, [(False, 2, "b"), (True, 1, "a")], "no-digital-consent", id="late"),
        pytest.param(True, [(True, 1, "a")], None, id="consented"),
        pytest.param(True, [(False, 1, "a"), (True, 1, "b")], None, id="same-moment-by-id"),
    ],
)
async def test_a_message_is_delivered_only_to_an_activated_account_with_consent(
    parts: Parts,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
    activated: bool,
    consents: list[tuple[bool, int, str]],
    reason: str | None,
) -> None:
    parts.citizens = InMemoryCitizens()
    if activated:
        await parts.citizens.record_activation(BSN, START)
    for digital, minute, change_id in consents:
        at = START + timedelta(minutes=minute)
        change = ConsentChange(belastingdienst.oin, digital, at, change_id)
        await parts.citizens.record_consent(BSN, change)
    other = organisation(parts.registry, "gemeente-voorbeeldstad")
    await parts.citizens.record_consent(BSN, ConsentChange(other.oin, True, START, "other"))

    await parts.handler(store, publisher)(message_sent(belastingdienst))

    event, key = only(publisher)
    if reason is None:
        assert event.type == events.MESSAGE_DELIVERED.type
        assert len(store.messages) == 1
        return
    assert key == events.MESSAGE_REJECTED.key(belastingdienst.oin)
    assert event.data["reason"] == reason
    assert BSN not in json.dumps(event.data)
    assert store.messages == {}


async def test_a_message_stored_before_the_consent_was_withdrawn_stays_delivered(
    parts: Parts,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
) -> None:
    delivery = message_sent(belastingdienst)
    await parts.handler(store, publisher)(delivery)
    parts.citizens = InMemoryCitizens()  # withdrawn (and even the account unknown) since
    await parts.handler(store, publisher)(delivery)  # a redelivery
    first, again = publisher.published
    assert first[0].id == again[0].id
    assert again[0].type == events.MESSAGE_DELIVERED.type
