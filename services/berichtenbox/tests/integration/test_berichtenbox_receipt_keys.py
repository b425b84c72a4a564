"""Receipt keys that rotate: a receipt signed before a rotation still verifies offline after
it, from the published keys alone.

The real Berichtenbox process signs a receipt with key A, is restarted with key B as its
signing key and A retired, and signs a second one. An organisation that kept nothing but the
receipts then fetches `/api/v1/receipt-keys` and verifies both, each within its key's period.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import OrganisationClient, about, message_sent
from mijnoverheid_testing.platform import Platform

pytestmark = pytest.mark.integration


def key_files(directory: Path, name: str) -> tuple[Path, Path]:
    key = Ed25519PrivateKey.generate()
    private, public = directory / f"{name}.key", directory / f"{name}.pub"
    private.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    public.write_bytes(
        key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public


async def receipt_for(client: OrganisationClient, bsn: str) -> dict[str, Any]:
    event = message_sent(client.organisation, bsn)
    await client.publish(event)
    delivered = await client.next_event("message-delivered", about(event["id"]))
    receipt: dict[str, Any] = delivered["data"]["receipt"]
    return receipt


def verify_offline(receipt: dict[str, Any], published: list[dict[str, Any]]) -> dict[str, Any]:
    """What an organisation does with a receipt it kept: the key it names, from the published
    keys alone; the signature over the payload as it stands; the time within the key's period.
    Returns the key."""
    key = next(k for k in published if k["key_id"] == receipt["key_id"])
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    public.verify(base64.b64decode(receipt["signature"]), receipt["payload"].encode())
    signed = json.loads(receipt["payload"])
    assert signed["key_id"] == receipt["key_id"]
    delivered_at = datetime.fromisoformat(signed["delivered_at"])
    assert datetime.fromisoformat(key["valid_from"]) <= delivered_at
    if key["valid_until"] is not None:
        assert delivered_at < datetime.fromisoformat(key["valid_until"])
    return key


async def test_a_receipt_signed_before_a_rotation_still_verifies_offline_after_it(
    platform: Platform, tmp_path: Path
) -> None:
    old_key, old_public = key_files(tmp_path, "receipts-2025")
    new_key, _ = key_files(tmp_path, "receipts-2026")
    in_use_since = datetime.now(UTC) - timedelta(days=365)
    bsn = random_bsn()

    before = platform.service("berichtenbox").start(
        RECEIPT_SIGNING_KEY=str(old_key),
        RECEIPT_SIGNING_KEY_VALID_FROM=in_use_since.isoformat(),
    )
    await before.ready()
    async with platform.client("belastingdienst") as belastingdienst:
        await belastingdienst.enrol(bsn)
        old_receipt = await receipt_for(belastingdienst, bsn)
        before.stop()

        rotated_at = datetime.now(UTC)
        retired = [
            {
                "public_key": str(old_public),
                "valid_from": in_use_since.isoformat(),
                "valid_until": rotated_at.isoformat(),
            }
        ]
        after = platform.service("berichtenbox").start(
            RECEIPT_SIGNING_KEY=str(new_key),
            RECEIPT_SIGNING_KEY_VALID_FROM=rotated_at.isoformat(),
            RECEIPT_RETIRED_KEYS=json.dumps(retired),
        )
        await after.ready()
        new_receipt = await receipt_for(belastingdienst, bsn)

    async with httpx.AsyncClient(base_url=after.base_url) as client:
        answer = await client.get("/api/v1/receipt-keys")  # no token: public
    assert answer.status_code == 200
    published = answer.json()["keys"]

    assert new_receipt["key_id"] != old_receipt["key_id"], "the rotation changed the key"
    old = verify_offline(old_receipt, published)
    new = verify_offline(new_receipt, published)
    assert [key["key_id"] for key in published] == [new["key_id"], old["key_id"]]
    assert new["valid_until"] is None  # the current key
    assert old["valid_until"] == new["valid_from"] == rotated_at.isoformat()

    # The check can fail: the old receipt does not verify under the new key.
    new_public = Ed25519PublicKey.from_public_bytes(base64.b64decode(new["public_key"]))
    with pytest.raises(InvalidSignature):
        new_public.verify(
            base64.b64decode(old_receipt["signature"]), old_receipt["payload"].encode()
        )
