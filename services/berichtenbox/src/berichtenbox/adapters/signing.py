"""The Berichtenbox's receipt-signing key (Ed25519), loaded from a PEM file."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)


class Ed25519ReceiptSigner:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._raw_public = raw
        self._key_id = "bb-" + hashlib.sha256(raw).hexdigest()[:16]

    @classmethod
    def from_file(cls, path: Path) -> Ed25519ReceiptSigner:
        key = load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return cls(key)

    @property
    def key_id(self) -> str:
        return self._key_id

    def sign(self, payload: bytes) -> bytes:
        return self._private_key.sign(payload)

    def public_key(self) -> dict[str, str]:
        """What a sender needs to verify receipts offline."""
        pem = self._private_key.public_key().public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
        )
        return {
            "key_id": self._key_id,
            "algorithm": "Ed25519",
            "public_key": base64.b64encode(self._raw_public).decode("ascii"),
            "public_key_pem": pem.decode("ascii"),
        }
