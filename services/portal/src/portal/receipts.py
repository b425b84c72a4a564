"""Checking the signed delivery receipt on the citizen's behalf, as they could do themselves
offline (docs/berichtenbox.md § 7): the Berichtenbox's Ed25519 signature over the payload,
with a key the Berichtenbox publishes, about this message and the content it delivered."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

Outcome = Literal["valid", "unknown_key", "bad_signature", "other_message", "other_content"]


@dataclass(frozen=True)
class ReceiptCheck:
    outcome: Outcome
    key_id: str
    signed: dict[str, Any]  # the payload's fields, when the signature verified

    @property
    def valid(self) -> bool:
        return self.outcome == "valid"


def public_key_of(keys: dict[str, Any], key_id: str) -> dict[str, Any] | None:
    """The key with this id in a `GET /api/v1/receipt-keys` answer."""
    found: list[dict[str, Any]] = [k for k in keys.get("keys", []) if k.get("key_id") == key_id]
    return found[0] if found else None


def check_receipt(
    receipt: dict[str, Any],
    keys: dict[str, Any],
    message_id: str,
    content_digest: str | None,
) -> ReceiptCheck:
    """`content_digest`: what the trail recorded at storing (None: not compared)."""
    key_id = str(receipt.get("key_id", ""))
    key = public_key_of(keys, key_id)
    if key is None:
        return ReceiptCheck("unknown_key", key_id, {})
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
        payload = str(receipt["payload"]).encode("utf-8")
        public.verify(base64.b64decode(receipt["signature"], validate=True), payload)
        signed = json.loads(payload)
    except (InvalidSignature, KeyError, ValueError, binascii.Error):
        return ReceiptCheck("bad_signature", key_id, {})
    if not isinstance(signed, dict) or signed.get("message_id") != message_id:
        return ReceiptCheck("other_message", key_id, {})
    if content_digest is not None and signed.get("content_digest") != content_digest:
        return ReceiptCheck("other_content", key_id, signed)
    return ReceiptCheck("valid", key_id, signed)


def stored_digest(trail: dict[str, Any]) -> str | None:
    """The content digest the trail's `stored` entry recorded (hash-chained with the rest)."""
    for entry in trail.get("entries", []):
        if entry.get("kind") == "stored":
            digest = entry.get("details", {}).get("content_digest")
            return str(digest) if digest else None
    return None
