"""MessageSentHandler with in-memory fakes: what is rejected (and told to whom), and what is
poison that nobody is answered for."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import derived_event_id, encode, source_for
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery
from services.berichtenbox.tests.unit.fakes import (
    InMemoryTrail,
    RecordingPublisher,
)
from services.berichtenbox.tests.unit.message_sent.harness import (
    INVALID_BSN,
    PLATFORM_SOURCE,
    START,
    Clock,
    Gate,
    InMemoryMessageStore,
    message_sent,
    only,
    organisation,
)


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
