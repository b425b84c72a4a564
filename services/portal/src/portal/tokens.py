"""The portal's short-lived tokens to the services' citizen APIs: one per call, EdDSA, with
the portal's issuer id and key id, `aud` = mijnoverheid and `sub` = the BSN.

PyJWT signs them: it is what the services verify with (mijnoverheid.auth), and joserfc warns
that the name "EdDSA" is deprecated by RFC 9864, which the services do not accept yet."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mijnoverheid.auth import AUDIENCE
from portal.settings import MAX_TOKEN_LIFETIME


def key_id(key: Ed25519PrivateKey) -> str:
    """The RFC 7638 thumbprint of the public key: stable, and derivable by every verifier."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    canonical = f'{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}'
    return (
        base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    )


@dataclass(frozen=True)
class TokenMinter:
    key: Ed25519PrivateKey
    issuer: str
    lifetime_seconds: int

    def __post_init__(self) -> None:
        if not 0 < self.lifetime_seconds <= MAX_TOKEN_LIFETIME:
            raise ValueError(f"a service token lives at most {MAX_TOKEN_LIFETIME} s")

    def mint(self, bsn: str, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": bsn,
            "iat": issued,
            "exp": issued + self.lifetime_seconds,
        }
        return jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": key_id(self.key)})
