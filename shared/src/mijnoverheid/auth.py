"""Citizen bearer tokens: an EdDSA-signed JWT from a configured issuer, carrying the BSN."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.identity import is_valid_bsn
from mijnoverheid.problems import ProblemError

AUDIENCE = "mijnoverheid"
DEV_ISSUER = "urn:mijnoverheid:dev-token-issuer"
_PEM_END = "-----END PUBLIC KEY-----"


@dataclass(frozen=True)
class Citizen:
    bsn: str


class CitizenTokenVerifier:
    def __init__(self, issuer_keys: dict[str, Ed25519PublicKey]) -> None:
        self._issuer_keys = issuer_keys

    @classmethod
    def from_file(cls, path: Path, issuer: str = DEV_ISSUER) -> CitizenTokenVerifier:
        """A PEM file with one or more Ed25519 public keys of one issuer."""
        keys: dict[str, Ed25519PublicKey] = {}
        blocks = [b + _PEM_END for b in path.read_text().split(_PEM_END) if b.strip()]
        for index, block in enumerate(blocks):
            key = load_pem_public_key(block.strip().encode())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError(f"{path}: key {index} is not an Ed25519 public key")
            keys[f"{issuer}#{index}"] = key
        return cls(keys)

    def verify(self, token: str) -> Citizen:
        last_error: Exception | None = None
        for key in self._issuer_keys.values():
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=["EdDSA"],
                    audience=AUDIENCE,
                    options={"require": ["exp", "iat", "sub", "aud", "iss"]},
                )
            except jwt.InvalidSignatureError as error:
                last_error = error
                continue
            except jwt.PyJWTError as error:
                raise _unauthorized(f"invalid token: {error}") from error
            bsn = str(claims["sub"])
            if not is_valid_bsn(bsn):
                raise _unauthorized("token subject is not a valid BSN")
            return Citizen(bsn)
        raise _unauthorized("token not signed by a trusted issuer") from last_error


def mint_token(private_key: Ed25519PrivateKey, bsn: str, lifetime: timedelta) -> str:
    now = utc_now()
    claims = {
        "iss": DEV_ISSUER,
        "aud": AUDIENCE,
        "sub": bsn,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, private_key, algorithm="EdDSA")


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
