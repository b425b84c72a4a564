"""The Berichtenbox's receipt keys (Ed25519): the current signing key, loaded from a PEM file,
and the public keys of the keys it signed with before (retired after a rotation).

Every key is named by its `key_id`, derived from the public key alone, so a receipt names the
key that verifies it whatever the configuration says; `/api/v1/receipt-keys` publishes all of
them with their validity periods, so a receipt signed before a rotation still verifies offline
after it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

ALGORITHM = "Ed25519"


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "bb-" + hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file (a public key, or a private key's public half)."""
    data = path.read_bytes()
    if b"PRIVATE KEY" in data:
        private = load_pem_private_key(data, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 key")
        return private.public_key()
    key = load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


def _published(
    public_key: Ed25519PublicKey, valid_from: datetime | None, valid_until: datetime | None
) -> dict[str, Any]:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    pem = public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return {
        "key_id": key_id_of(public_key),
        "algorithm": ALGORITHM,
        "public_key": base64.b64encode(raw).decode("ascii"),
        "public_key_pem": pem.decode("ascii"),
        "valid_from": valid_from.isoformat() if valid_from else None,
        "valid_until": valid_until.isoformat() if valid_until else None,
    }


class Ed25519ReceiptSigner:
    def __init__(self, private_key: Ed25519PrivateKey, valid_from: datetime | None = None) -> None:
        self._private_key = private_key
        self._key_id = key_id_of(private_key.public_key())
        self.valid_from = valid_from

    @classmethod
    def from_file(cls, path: Path, valid_from: datetime | None = None) -> Ed25519ReceiptSigner:
        key = load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return cls(key, valid_from)

    @property
    def key_id(self) -> str:
        return self._key_id

    def sign(self, payload: bytes) -> bytes:
        return self._private_key.sign(payload)

    def public_key(self) -> dict[str, Any]:
        """What a sender needs to verify receipts offline; in use since `valid_from`."""
        return _published(self._private_key.public_key(), self.valid_from, None)


@dataclass(frozen=True)
class RetiredKey:
    """A key the Berichtenbox signed with from `valid_from` until `valid_until`."""

    public_key: Ed25519PublicKey
    valid_from: datetime
    valid_until: datetime

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)


@dataclass(frozen=True)
class ReceiptKeys:
    """The current signer and every retired key: what `/api/v1/receipt-keys` publishes."""

    signer: Ed25519ReceiptSigner
    retired: Sequence[RetiredKey] = ()

    def __post_init__(self) -> None:
        ids = [self.signer.key_id, *(key.key_id for key in self.retired)]
        if len(set(ids)) != len(ids):
            raise ValueError("a receipt key is listed twice (current and retired, or retired)")

    def published(self) -> list[dict[str, Any]]:
        """The current key first, then the retired ones, newest first."""
        retired = sorted(self.retired, key=lambda key: key.valid_from, reverse=True)
        return [
            self.signer.public_key(),
            *(_published(key.public_key, key.valid_from, key.valid_until) for key in retired),
        ]
