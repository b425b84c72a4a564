"""Provable delivery, as a sender checks it: offline receipt verification with only the
published key and the documented canonical form, the trail, and the status query."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mijnoverheid.contracts import events
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import about, message_sent
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.waiting import wait_until
from tests.e2e.conftest import set_email

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n% receipt test\n%%EOF\n"


def canonical(value: Any) -> bytes:
    """The canonical JSON of docs/berichtenbox.md, written here from the docs alone."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def expected_digest(data: dict[str, Any], sender_oin: str) -> str:
    content = {
        "attachments": [
            {
                "file_name": a["file_name"],
                "media_type": a["media_type"],
                "sha256": hashlib.sha256(base64.b64decode(a["content"])).hexdigest(),
                "size": len(base64.b64decode(a["content"])),
            }
            for a in data.get("attachments", [])
        ],
        "body": data["body"],
        "deadline": data.get("deadline"),
        "kind": data.get("kind"),
        "legal_effect": data["legal_effect"],
        "recipient_bsn": data["recipient_bsn"],
        "reference": data["reference"],
        "sender_oin": sender_oin,
        "subject": data["subject"],
    }
    return "sha256:" + hashlib.sha256(canonical(content)).hexdigest()


async def test_sender_verifies_the_receipt_offline(system: Platform) -> None:
    berichtenbox = next(p for p in system.processes.values() if p.name == "berichtenbox")
    async with httpx.AsyncClient(base_url=berichtenbox.base_url) as client:
        keys = (await client.get("/api/v1/receipt-keys")).json()["keys"]
    public_keys = {key["key_id"]: base64.b64decode(key["public_key"]) for key in keys}

    async with system.client("belastingdienst") as belastingdienst:
        attachment = {
            "file_name": "aanslag.pdf",
            "media_type": "application/pdf",
            "content": base64.b64encode(PDF).decode(),
        }
        bsn = random_bsn()
        await belastingdienst.enrol(bsn)
        event = message_sent(
            belastingdienst.organisation, bsn, attachments=[attachment], kind="aanslag"
        )
        await belastingdienst.publish(event)
        delivered = await belastingdienst.next_event("message-delivered", about(event["id"]))
        await belastingdienst.publish(event)  # a redelivery must give the very same receipt
        receipts = await wait_until(
            lambda: (
                len(found := belastingdienst.events("message-delivered", about(event["id"]))) > 1
                and found
            ),
            what="the second receipt",
        )

    data = delivered["data"]
    receipt = data["receipt"]
    # Offline: nothing but the public key, the payload and the signature.
    key = Ed25519PublicKey.from_public_bytes(public_keys[receipt["key_id"]])
    key.verify(base64.b64decode(receipt["signature"]), receipt["payload"].encode())
    signed = json.loads(receipt["payload"])
    assert signed["message_id"] == data["message_id"]
    assert signed["sent_event_id"] == event["id"]
    assert signed["sender_oin"] == belastingdienst.organisation.oin
    assert signed["content_digest"] == data["content_digest"]
    assert signed["content_digest"] == expected_digest(event["data"], signed["sender_oin"])
    assert receipts[1]["data"]["receipt"] == receipt

    forged = receipt["payload"].replace(signed["message_id"], str(uuid.uuid4()))
    with pytest.raises(InvalidSignature):
        key.verify(base64.b64decode(receipt["signature"]), forged.encode())


async def test_trail_records_arrival_and_notification_and_sender_can_query_it(
    system: Platform,
) -> None:
    bsn = random_bsn()
    await set_email(system, bsn, f"trail-{uuid.uuid4().hex[:6]}@example.nl")
    async with system.client("gemeente-voorbeeldstad") as gemeente:
        await gemeente.enrol(bsn)
        event = message_sent(gemeente.organisation, bsn)
        await gemeente.publish(event)
        delivered = await gemeente.next_event("message-delivered", about(event["id"]))
        message_id = delivered["data"]["message_id"]
        await gemeente.next_event(
            "notification-status",
            lambda e: e["data"]["message_id"] == message_id and e["data"]["status"] == "sent",
        )

        async def trail_has_every_notification_status() -> bool:
            trail = system.database("berichtenbox").trail
            found = await trail.count_documents({"message_id": message_id, "kind": "notification"})
            return found == len(["created", "sending", "sent"])

        await wait_until(trail_has_every_notification_status, what="the statuses in the trail")
        query = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": event["source"],
            "type": "nl.mijnoverheid.berichtenbox.message-status-requested",
            "time": event["time"],
            "datacontenttype": "application/json",
            "data": {"message_ids": [message_id, "not-a-message"], "include_trail": True},
        }
        await gemeente.publish(
            query, routing_key=events.MESSAGE_STATUS_REQUESTED.key(gemeente.organisation.oin)
        )
        answer = await gemeente.next_event(
            "message-status", lambda e: e["data"]["request_id"] == query["id"]
        )

    status = answer["data"]
    assert status["not_found"] == ["not-a-message"]
    [item] = status["messages"]
    assert item["notification_status"] == "sent"
    kinds = [entry["kind"] for entry in item["trail"]]
    assert kinds[:2] == ["submitted", "stored"]
    notified = [e["details"]["status"] for e in item["trail"] if e["kind"] == "notification"]
    assert sorted(notified) == ["created", "sending", "sent"]
    assert item["trail"][1]["prev_hash"] == item["trail"][0]["hash"]
    assert item["trail_head"] == item["trail"][-1]["hash"]
    assert bsn not in json.dumps(answer)


async def test_organisation_cannot_query_another_organisations_message(system: Platform) -> None:
    async with system.client("belastingdienst") as belastingdienst:
        bsn = random_bsn()
        await belastingdienst.enrol(bsn)
        event = message_sent(belastingdienst.organisation, bsn)
        await belastingdienst.publish(event)
        delivered = await belastingdienst.next_event("message-delivered", about(event["id"]))
    async with system.client("gemeente-voorbeeldstad") as gemeente:
        query = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": f"urn:nld:oin:{gemeente.organisation.oin}:systeem:test",
            "type": "nl.mijnoverheid.berichtenbox.message-status-requested",
            "time": event["time"],
            "datacontenttype": "application/json",
            "data": {"message_ids": [delivered["data"]["message_id"]]},
        }
        await gemeente.publish(
            query, routing_key=events.MESSAGE_STATUS_REQUESTED.key(gemeente.organisation.oin)
        )
        answer = await gemeente.next_event(
            "message-status", lambda e: e["data"]["request_id"] == query["id"]
        )
    assert answer["data"]["messages"] == []
    assert answer["data"]["not_found"] == [delivered["data"]["message_id"]]
