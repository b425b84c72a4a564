"""The public contract: docs/events.md and docs/asyncapi/ say what the code does."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent, oin_of_source
from mijnoverheid.contracts.notifier import NotificationState
from mijnoverheid.contracts.rejection import RejectionReason
from mijnoverheid.contracts.routing import EventRoute

REPO_ROOT = Path(__file__).resolve().parents[1]
EVENTS_DOC = REPO_ROOT / "docs" / "events.md"
ASYNCAPI_DIR = "docs/asyncapi"
# The public half of the example key that signed the receipt example in docs/events.md.
EXAMPLE_RECEIPT_KEY = "VUX3oi820w1Nb2jTvDk0om/ALs1LHaI6YG62mpoHimg="

# The events docs/events.md itself documents with an example (the others: each service's doc).
DATA_MODELS: dict[str, type[BaseModel]] = {
    route.type: route.data
    for route in (
        events.MESSAGE_SENT,
        events.MESSAGE_DELIVERED,
        events.MESSAGE_REJECTED,
        events.NOTIFICATION_STATUS,
        events.DIGITAL_DELIVERY_REQUESTED,
        events.DIGITAL_DELIVERY,
    )
}

_JSON_BLOCK = re.compile(r"^```json[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def _doc() -> str:
    return EVENTS_DOC.read_text(encoding="utf-8")


def _json_blocks() -> list[str]:
    return _JSON_BLOCK.findall(_doc())


def _examples() -> list[dict[str, Any]]:
    """Every JSON block that is an event, i.e. has a `type`."""
    documents = [json.loads(block) for block in _json_blocks()]
    return [doc for doc in documents if isinstance(doc, dict) and "type" in doc]


def _example_id(example: dict[str, Any]) -> str:
    return f"{example['type']}:{example.get('id', '?')}"


def _route_id(route: EventRoute) -> str:
    return f"{route.service}.{route.event}"


def test_every_json_block_parses() -> None:
    blocks = _json_blocks()
    assert blocks, f"{EVENTS_DOC} has no ```json blocks"
    for number, block in enumerate(blocks, start=1):
        try:
            json.loads(block)
        except json.JSONDecodeError as error:
            pytest.fail(f"```json block {number} in {EVENTS_DOC.name} is not JSON: {error}")


@pytest.mark.parametrize("example", _examples(), ids=_example_id)
def test_example_is_a_valid_event(example: dict[str, Any]) -> None:
    event = CloudEvent.model_validate(example)
    model = DATA_MODELS.get(event.type)
    assert model is not None, f"no data model for type {event.type}; add it to DATA_MODELS"
    model.model_validate(event.data)


def test_every_event_with_a_data_model_has_an_example() -> None:
    documented = {example["type"] for example in _examples()}
    missing = sorted(set(DATA_MODELS) - documented)
    assert not missing, f"no JSON example in {EVENTS_DOC.name} for: {missing}"


def _canonical(value: Any) -> str:
    """Canonical JSON as docs/events.md defines it."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_example_receipt_verifies_as_documented() -> None:
    """Recompute the digest and verify the signature the way the document tells receivers to."""
    assert EXAMPLE_RECEIPT_KEY in _doc(), "the example receipt key is not in the document"
    examples = _examples()
    delivered = next(e for e in examples if e["type"].endswith(".message-delivered"))
    received = delivered["data"]
    sent = next(e for e in examples if e["id"] == received["sent_event_id"])
    data = sent["data"]
    files = [base64.b64decode(attachment["content"]) for attachment in data.get("attachments", [])]
    content = {
        "attachments": [
            {
                "file_name": attachment["file_name"],
                "media_type": attachment["media_type"],
                "sha256": hashlib.sha256(file).hexdigest(),
                "size": len(file),
            }
            for attachment, file in zip(data.get("attachments", []), files, strict=True)
        ],
        "body": data["body"],
        "deadline": data.get("deadline"),
        "kind": data.get("kind"),
        "legal_effect": data["legal_effect"],
        "recipient_bsn": data["recipient_bsn"],
        "reference": data["reference"],
        "sender_oin": oin_of_source(sent["source"]),
        "subject": data["subject"],
    }
    digest = "sha256:" + hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()
    assert received["content_digest"] == digest

    receipt = received["receipt"]
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(EXAMPLE_RECEIPT_KEY))
    key.verify(base64.b64decode(receipt["signature"]), receipt["payload"].encode("utf-8"))
    signed = json.loads(receipt["payload"])
    assert receipt["payload"] == _canonical(signed)
    assert signed.pop("key_id") == receipt["key_id"]
    assert datetime.fromisoformat(signed.pop("delivered_at")) == datetime.fromisoformat(
        received["delivered_at"]
    )
    assert signed == {
        field: received[field]
        for field in ("content_digest", "message_id", "recipient_bsn", "sender_oin")
    } | {"sent_event_id": sent["id"]}


@pytest.mark.parametrize("route", [*events.INBOUND, *events.OUTBOUND], ids=_route_id)
def test_every_event_is_documented(route: EventRoute) -> None:
    text = _doc()
    for name in (route.type, route.key("<OIN>")):
        assert name in text, f"{EVENTS_DOC.name} does not mention {name}"


@pytest.mark.parametrize("reason", list(RejectionReason), ids=str)
def test_every_rejection_reason_is_documented(reason: RejectionReason) -> None:
    assert f"`{reason.value}`" in _doc(), f"{EVENTS_DOC.name} does not explain {reason.value}"


@pytest.mark.parametrize("status", list(NotificationState), ids=str)
def test_every_notification_status_is_documented(status: NotificationState) -> None:
    assert f"`{status.value}`" in _doc(), f"{EVENTS_DOC.name} does not explain {status.value}"


def test_asyncapi_documents_are_current() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mijnoverheid_devtools.asyncapi", "--check", "--out", ASYNCAPI_DIR],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, (
        f"{ASYNCAPI_DIR} does not match the code: run `make asyncapi` and commit the result\n"
        f"{result.stderr}"
    )
