"""MessageSentHandler with in-memory fakes: deliveries handled at once (a consumer's prefetch)
decide and answer exactly as one by one, also under faults."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from berichtenbox.adapters.signing import Ed25519ReceiptSigner
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import encode
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery
from services.berichtenbox.tests.unit.fakes import (
    InMemoryTrail,
    RecordingPublisher,
)
from services.berichtenbox.tests.unit.message_sent.harness import (
    INVALID_BSN,
    Clock,
    Gate,
    InMemoryMessageStore,
    Parts,
    message_sent,
    organisation,
)


async def concurrently(gate: Gate, deliveries: list[InboundDelivery]) -> list[Any]:
    """Deliveries handled at once, as a consumer with prefetch does: the store's writes of
    concurrent deliveries are shared (see the adapters), the outcomes stay per delivery."""
    outcomes = await asyncio.gather(*(gate(d) for d in deliveries), return_exceptions=True)
    return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]


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
