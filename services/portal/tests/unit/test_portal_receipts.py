"""The portal's check of a delivery receipt: valid only when a published key signed exactly
this payload, about this message and the content the trail recorded."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from portal.receipts import check_receipt, stored_digest

KEY = Ed25519PrivateKey.generate()
KEYS = {
    "keys": [
        {
            "key_id": "bb-1",
            "algorithm": "Ed25519",
            "public_key": base64.b64encode(
                KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            ).decode(),
        }
    ]
}
DIGEST = "sha256:" + "ab" * 32


def receipt(key: Ed25519PrivateKey = KEY, key_id: str = "bb-1", **fields: Any) -> dict[str, Any]:
    payload = json.dumps(
        {"message_id": "m-1", "content_digest": DIGEST, "key_id": key_id, **fields},
        sort_keys=True,
        separators=(",", ":"),
    )
    signature = base64.b64encode(key.sign(payload.encode())).decode()
    return {"algorithm": "Ed25519", "key_id": key_id, "payload": payload, "signature": signature}


def test_a_receipt_signed_by_a_published_key_about_this_message_is_valid() -> None:
    check = check_receipt(receipt(), KEYS, "m-1", DIGEST)
    assert check.valid
    assert check.signed["content_digest"] == DIGEST
    assert check_receipt(receipt(), KEYS, "m-1", None).valid, "no digest to compare: signature"


@pytest.mark.parametrize(
    ("tampered", "message_id", "outcome"),
    [
        (receipt(key_id="bb-2"), "m-1", "unknown_key"),
        (receipt(key=Ed25519PrivateKey.generate()), "m-1", "bad_signature"),
        (
            {**receipt(), "payload": receipt()["payload"].replace("m-1", "m-2")},
            "m-1",
            "bad_signature",
        ),
        ({**receipt(), "signature": "not base64!"}, "m-1", "bad_signature"),
        ({"key_id": "bb-1"}, "m-1", "bad_signature"),
        (receipt(), "m-2", "other_message"),
        (receipt(content_digest="sha256:00"), "m-1", "other_content"),
    ],
)
def test_anything_else_is_not_valid_and_says_why(
    tampered: dict[str, Any], message_id: str, outcome: str
) -> None:
    check = check_receipt(tampered, KEYS, message_id, DIGEST)
    assert (check.valid, check.outcome) == (False, outcome)


def test_the_digest_to_compare_comes_from_the_trails_stored_entry() -> None:
    trail = {
        "entries": [
            {"kind": "submitted", "details": {"event_id": "e"}},
            {"kind": "stored", "details": {"content_digest": DIGEST}},
        ]
    }
    assert stored_digest(trail) == DIGEST
    assert stored_digest({"entries": []}) is None
