"""Citizen bearer tokens: EdDSA JWTs carrying the BSN, only from configured issuers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mijnoverheid.auth import (
    AUDIENCE,
    DEV_ISSUER,
    LEEWAY_SECONDS,
    Citizen,
    CitizenTokenVerifier,
    key_id,
    load_private_key,
    mint_token,
)
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.devtokens import DEV_PRIVATE_KEY, DEV_PUBLIC_KEYS
from mijnoverheid.problems import ProblemError
from mijnoverheid.settings import ServiceSettings

BSN = "999993653"
LIFETIME = timedelta(minutes=5)
PORTAL = "urn:nld:mijnoverheid:portal"


@pytest.fixture(scope="module")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def verifier(private_key: Ed25519PrivateKey) -> CitizenTokenVerifier:
    public = private_key.public_key()
    return CitizenTokenVerifier({PORTAL: {key_id(public): public}})


def token(private_key: Ed25519PrivateKey, **overrides: Any) -> str:
    now = int(utc_now().timestamp())
    claims: dict[str, Any] = {
        "iss": PORTAL,
        "aud": AUDIENCE,
        "sub": BSN,
        "iat": now,
        "exp": now + 120,
        **overrides,
    }
    claims = {key: value for key, value in claims.items() if value is not None}
    headers = {"kid": key_id(private_key.public_key())}
    return jwt.encode(claims, private_key, algorithm="EdDSA", headers=headers)


def unauthorized(verifier: CitizenTokenVerifier, presented: str) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        verifier.verify(presented)
    assert caught.value.status == 401
    assert caught.value.headers == {"WWW-Authenticate": "Bearer"}
    return caught.value


def test_a_token_of_a_trusted_issuer_names_the_citizen(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier
) -> None:
    assert verifier.verify(token(private_key)) == Citizen(BSN, PORTAL)


def test_a_token_of_another_issuer_is_refused_even_with_a_trusted_key(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier
) -> None:
    problem = unauthorized(verifier, token(private_key, iss="urn:nld:somebody-else"))
    assert "issuer" in problem.detail
    unauthorized(verifier, token(private_key, iss=None))


def test_a_key_id_that_is_not_the_issuers_is_refused(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier
) -> None:
    stranger = Ed25519PrivateKey.generate()
    unauthorized(verifier, token(stranger))  # signed by a key the issuer does not have
    forged = jwt.encode(
        jwt.decode(token(private_key), options={"verify_signature": False}),
        stranger,
        algorithm="EdDSA",
        headers={"kid": key_id(private_key.public_key())},  # claims a trusted key's id
    )
    unauthorized(verifier, forged)


def test_a_token_living_longer_than_five_minutes_is_refused(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier
) -> None:
    now = int(utc_now().timestamp())
    problem = unauthorized(verifier, token(private_key, iat=now, exp=now + 301))
    assert "300" in problem.detail
    assert verifier.verify(token(private_key, iat=now, exp=now + 300)) == Citizen(BSN, PORTAL)


def test_clock_skew_is_tolerated_up_to_the_leeway_only(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier
) -> None:
    now = int(utc_now().timestamp())
    just_expired = token(private_key, iat=now - 120, exp=now - LEEWAY_SECONDS + 5)
    assert verifier.verify(just_expired) == Citizen(BSN, PORTAL)
    unauthorized(verifier, token(private_key, iat=now - 200, exp=now - LEEWAY_SECONDS - 5))
    unauthorized(verifier, token(private_key, iat=now + 120, exp=now + 180))  # issued later


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "aud"])
def test_a_token_without_a_required_claim_is_refused(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier, missing: str
) -> None:
    unauthorized(verifier, token(private_key, **{missing: None}))


def test_a_token_for_another_audience_is_refused(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier
) -> None:
    unauthorized(verifier, token(private_key, aud="another-service"))


@pytest.mark.parametrize("subject", ["999993654", "12345678", "", "abcdefghi"])
def test_a_subject_that_is_no_bsn_is_refused(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier, subject: str
) -> None:
    unauthorized(verifier, token(private_key, sub=subject))


def _b64(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def test_algorithm_confusion_is_refused(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier
) -> None:
    """HS256 signed with the public key as the HMAC secret, and alg none: both refused."""
    public = private_key.public_key()
    kid = key_id(public)
    body = _b64(
        json.dumps(jwt.decode(token(private_key), options={"verify_signature": False})).encode()
    )
    for alg in ("HS256", "none"):
        header = _b64(json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}).encode())
        secret = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        mac = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
        signature = _b64(mac) if alg == "HS256" else ""
        assert "EdDSA" in unauthorized(verifier, f"{header}.{body}.{signature}").detail


@pytest.mark.parametrize("garbage", ["", "a.b", "not-a-jwt", "a.b.c"])
def test_garbage_is_refused(verifier: CitizenTokenVerifier, garbage: str) -> None:
    unauthorized(verifier, garbage)


def test_keys_come_from_a_pem_file_by_issuer(tmp_path: Path) -> None:
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    pem = b"".join(
        key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        for key in (first, second)
    )
    path = tmp_path / "portal.pub"
    path.write_bytes(pem)
    verifier = CitizenTokenVerifier.from_files({PORTAL: path})
    assert verifier.verify(mint_token(second, BSN, LIFETIME, issuer=PORTAL)) == Citizen(BSN, PORTAL)
    assert verifier.verify(mint_token(first, BSN, LIFETIME, issuer=PORTAL)) == Citizen(BSN, PORTAL)
    unauthorized(verifier, mint_token(first, BSN, LIFETIME))  # the development issuer's


def test_the_development_key_is_trusted_only_where_the_environment_says_development() -> None:
    dev_token = mint_token(load_private_key(DEV_PRIVATE_KEY), BSN, LIFETIME)
    development = ServiceSettings(amqp_url="amqp://x", mijnoverheid_environment="development")
    verifier = CitizenTokenVerifier.from_files(development.trusted_issuers())
    assert verifier.verify(dev_token) == Citizen(BSN, DEV_ISSUER)

    production = ServiceSettings(amqp_url="amqps://x")
    assert production.trusted_issuers() == {}
    assert any("CITIZEN_TOKEN_ISSUERS" in p for p in production.production_problems())
    unauthorized(CitizenTokenVerifier.from_files(production.trusted_issuers()), dev_token)

    trusting_the_dev_key = ServiceSettings(
        amqp_url="amqps://x",
        citizen_token_issuers=[{"issuer": PORTAL, "keys": DEV_PUBLIC_KEYS}],  # type: ignore[list-item]
    )
    assert any("development key" in p for p in trusting_the_dev_key.production_problems())
    assert (
        DEV_ISSUER
        in ServiceSettings(
            amqp_url="amqp://x", mijnoverheid_environment="development"
        ).trusted_issuers()
    )
