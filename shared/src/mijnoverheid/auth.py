"""Citizen bearer tokens: EdDSA-signed JWTs from a configured issuer, carrying the BSN.

A token is accepted only from an issuer the service is configured with (exact `iss`), signed
with one of that issuer's keys (the `kid` must name it: the RFC 7638 thumbprint of the
public key), for the audience `mijnoverheid`, living at most `max_lifetime` seconds
(`exp - iat`), judged with at most `LEEWAY_SECONDS` of clock skew. Only EdDSA is accepted, so
no algorithm in a token's header can change how it is checked.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.identity import is_valid_bsn
from mijnoverheid.problems import ProblemError
from mijnoverheid.settings import DEV_TOKEN_ISSUER as DEV_ISSUER

AUDIENCE = "mijnoverheid"
ALGORITHM = "EdDSA"
LEEWAY_SECONDS = 30
MAX_LIFETIME_SECONDS = 300
_PEM_END = "-----END PUBLIC KEY-----"


@dataclass(frozen=True)
class Citizen:
    bsn: str
    issuer: str = ""  # who vouched for the citizen (the portal): the processing log's caller


def key_id(key: Ed25519PublicKey) -> str:
    """The RFC 7638 thumbprint of an Ed25519 public key: every party derives the same id."""
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    canonical = f'{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}'
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def load_public_keys(path: Path) -> dict[str, Ed25519PublicKey]:
    """A PEM file with one or more Ed25519 public keys, by key id."""
    keys: dict[str, Ed25519PublicKey] = {}
    blocks = [b + _PEM_END for b in path.read_text().split(_PEM_END) if b.strip()]
    for index, block in enumerate(blocks):
        key = load_pem_public_key(block.strip().encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{path}: key {index} is not an Ed25519 public key")
        keys[key_id(key)] = key
    return keys


class CitizenTokenVerifier:
    def __init__(
        self,
        issuers: dict[str, dict[str, Ed25519PublicKey]],
        max_lifetime: int = MAX_LIFETIME_SECONDS,
    ) -> None:
        self._issuers = issuers
        self._max_lifetime = max_lifetime

    @classmethod
    def from_files(
        cls, issuers: dict[str, Path], max_lifetime: int = MAX_LIFETIME_SECONDS
    ) -> CitizenTokenVerifier:
        return cls({iss: load_public_keys(path) for iss, path in issuers.items()}, max_lifetime)

    def verify(self, token: str) -> Citizen:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise _unauthorized("the token is not a JWT") from error
        if header.get("alg") != ALGORITHM:
            raise _unauthorized(f"only {ALGORITHM} tokens are accepted")
        issuer = unverified.get("iss")
        keys = self._issuers.get(issuer) if isinstance(issuer, str) else None
        if keys is None or not isinstance(issuer, str):
            raise _unauthorized("the token's issuer is not trusted")
        key = keys.get(str(header.get("kid")))
        if key is None:
            raise _unauthorized("the token's key id is not a key of its issuer")
        claims = self._decode(token, key, issuer)
        lifetime = claims["exp"] - claims["iat"]
        if not 0 < lifetime <= self._max_lifetime:
            raise _unauthorized(f"a token may live at most {self._max_lifetime} seconds")
        bsn = str(claims["sub"])
        if not is_valid_bsn(bsn):
            raise _unauthorized("token subject is not a valid BSN")
        return Citizen(bsn, issuer)

    @staticmethod
    def _decode(token: str, key: Ed25519PublicKey, issuer: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as error:
            raise _unauthorized(f"invalid token: {error}") from error


def mint_token(
    private_key: Ed25519PrivateKey, bsn: str, lifetime: timedelta, issuer: str = DEV_ISSUER
) -> str:
    now = utc_now()
    claims = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": bsn,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    headers = {"kid": key_id(private_key.public_key())}
    return jwt.encode(claims, private_key, algorithm=ALGORITHM, headers=headers)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


_bearer = HTTPBearer(auto_error=False)


async def current_citizen(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Citizen:
    if credentials is None:
        raise _unauthorized("a bearer token is required")
    verifier: CitizenTokenVerifier = request.app.state.citizen_tokens
    return verifier.verify(credentials.credentials)


CurrentCitizen = Annotated[Citizen, Depends(current_citizen)]
