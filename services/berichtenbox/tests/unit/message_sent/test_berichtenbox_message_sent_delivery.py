"""MessageSentHandler with in-memory fakes: a valid message is stored once, signed for, recorded
in the trail and answered with message-delivered."""

from __future__ import annotations

import base64
import json
from datetime import datetime

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from berichtenbox.adapters.signing import Ed25519ReceiptSigner
from berichtenbox.domain.message import message_id_for
from berichtenbox.domain.trail import TrailKind, verify_chain
from mijnoverheid.contracts.envelope import derived_event_id, encode, source_for
from mijnoverheid.identity import Organisation
from mijnoverheid.kernel import Origin
from services.berichtenbox.tests.unit.fakes import (
    InMemoryTrail,
    RecordingPublisher,
)
from services.berichtenbox.tests.unit.message_sent.harness import (
    BSN,
    PLATFORM_SOURCE,
    RETENTION,
    START,
    START_MS,
    Clock,
    Gate,
    InMemoryMessageStore,
    message_sent,
    only,
)


def origin_of(source: str, event_id: str) -> Origin:
    # Only the source and the id decide a message's id.
    return Origin("", "", source, event_id, START)


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
