"""Citizen tokens forged or bent every way a security review tries, against a real service:
each is a 401, and only a well-formed EdDSA token of a trusted issuer, within its lifetime (and
the 30 s leeway), gets in. (The portal's own tests cover issuers and keys per service.)"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mijnoverheid.auth import AUDIENCE, DEV_ISSUER, LEEWAY_SECONDS, key_id, load_private_key
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform

pytestmark = pytest.mark.integration

DEV_KEY = load_private_key(DEV_PRIVATE_KEY)


@pytest.fixture(scope="module")
async def berichtenbox(platform: Platform) -> str:
    started = await platform.start("berichtenbox")
    return started["berichtenbox"].base_url


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(utc_now().timestamp())
    found = {"iss": DEV_ISSUER, "aud": AUDIENCE, "sub": random_bsn(), "iat": now, "exp": now + 120}
    found.update(overrides)
    return {key: value for key, value in found.items() if value is not None}


def signed(body: dict[str, Any], key: Ed25519PrivateKey = DEV_KEY, **headers: Any) -> str:
    kid = key_id(DEV_KEY.public_key())
    return jwt.encode(body, key, algorithm="EdDSA", headers={"kid": kid, **headers})


def _b64(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def confused(alg: str) -> str:
    """alg none, or HS256 keyed with the trusted public key (the classic confusion)."""
    header = _b64(json.dumps({"alg": alg, "kid": key_id(DEV_KEY.public_key())}).encode())
    body = _b64(json.dumps(claims()).encode())
    public = DEV_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    mac = hmac.new(public, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(mac) if alg == 'HS256' else ''}"


async def status(base_url: str, token: str) -> int:
    async with httpx.AsyncClient(base_url=base_url) as client:
        answer = await client.get("/api/v1/messages", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code


async def test_a_well_formed_token_gets_in(berichtenbox: str) -> None:
    assert await status(berichtenbox, signed(claims())) == 200


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(lambda: confused("none"), id="alg-none"),
        pytest.param(lambda: confused("HS256"), id="hs256-with-the-public-key"),
        pytest.param(lambda: signed(claims(), Ed25519PrivateKey.generate()), id="another-key"),
        pytest.param(lambda: signed(claims(aud="elders")), id="another-audience"),
        pytest.param(lambda: signed(claims(aud=None)), id="no-audience"),
        pytest.param(lambda: signed(claims(iss="https://evil.example")), id="unknown-issuer"),
        pytest.param(lambda: signed(claims(sub="123456789")), id="not-a-bsn"),
        pytest.param(lambda: signed(claims(exp=None)), id="no-expiry"),
        pytest.param(lambda: signed(claims(iat=None)), id="no-issued-at"),
        pytest.param(
            lambda: signed(claims(exp=int(utc_now().timestamp()) + 3600)), id="an-hour-long"
        ),
        pytest.param(
            lambda: signed(claims(exp=int(utc_now().timestamp()) - LEEWAY_SECONDS - 5)),
            id="expired-beyond-the-leeway",
        ),
        pytest.param(
            lambda: signed(claims(iat=int(utc_now().timestamp()) + LEEWAY_SECONDS + 60)),
            id="issued-in-the-future",
        ),
        pytest.param(lambda: signed(claims(), kid="another-kid"), id="unknown-kid"),
    ],
)
async def test_a_forged_or_bent_token_is_a_401(berichtenbox: str, forged: Any) -> None:
    assert await status(berichtenbox, forged()) == 401


async def test_a_token_just_expired_within_the_leeway_still_counts(berichtenbox: str) -> None:
    now = int(utc_now().timestamp())
    token = signed(claims(iat=now - 100, exp=now - LEEWAY_SECONDS // 2))
    assert await status(berichtenbox, token) == 200
