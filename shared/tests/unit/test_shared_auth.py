"""Citizen bearer tokens: EdDSA JWTs carrying the BSN."""

from __future__ import annotations

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
    Citizen,
    CitizenTokenVerifier,
    load_private_key,
    mint_token,
)
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.devtokens import DEV_PRIVATE_KEY, DEV_PUBLIC_KEYS
from mijnoverheid.problems import ProblemError

BSN = "999993653"
LIFETIME = timedelta(minutes=5)


@pytest.fixture(scope="module")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def verifier(private_key: Ed25519PrivateKey) -> CitizenTokenVerifier:
    return CitizenTokenVerifier({f"{DEV_ISSUER}#0": private_key.public_key()})


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(utc_now().timestamp())
    document: dict[str, Any] = {
        "iss": DEV_ISSUER,
        "aud": AUDIENCE,
        "sub": BSN,
        "iat": now,
        "exp": now + 300,
    }
    document.update(overrides)
    return {key: value for key, value in document.items() if value is not None}


def unauthorized(verifier: CitizenTokenVerifier, token: str) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        verifier.verify(token)
    assert caught.value.status == 401
    assert caught.value.headers == {"WWW-Authenticate": "Bearer"}
    return caught.value


def test_a_minted_token_verifies_to_its_citizen(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier
) -> None:
    token = mint_token(private_key, BSN, LIFETIME)
    assert verifier.verify(token) == Citizen(BSN)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    decoded = jwt.decode(token, options={"verify_signature": False})
    assert decoded["iss"] == DEV_ISSUER
    assert decoded["aud"] == AUDIENCE
    assert decoded["exp"] - decoded["iat"] == int(LIFETIME.total_seconds())


def test_any_of_several_trusted_keys_verifies(private_key: Ed25519PrivateKey) -> None:
    other = Ed25519PrivateKey.generate()
    verifier = CitizenTokenVerifier(
        {"issuer#0": other.public_key(), "issuer#1": private_key.public_key()}
    )
    assert verifier.verify(mint_token(private_key, BSN, LIFETIME)) == Citizen(BSN)
    assert verifier.verify(mint_token(other, "111222333", LIFETIME)) == Citizen("111222333")


def test_an_expired_token_is_refused(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier
) -> None:
    token = mint_token(private_key, BSN, -timedelta(minutes=1))
    assert "expired" in unauthorized(verifier, token).detail.lower()


def test_a_token_for_another_audience_is_refused(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier
) -> None:
    token = jwt.encode(claims(aud="een-andere-dienst"), private_key, algorithm="EdDSA")
    unauthorized(verifier, token)


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "aud", "iss"])
def test_a_token_without_a_required_claim_is_refused(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier, missing: str
) -> None:
    token = jwt.encode(claims(**{missing: None}), private_key, algorithm="EdDSA")
    unauthorized(verifier, token)


def test_a_token_from_an_untrusted_key_is_refused(verifier: CitizenTokenVerifier) -> None:
    stranger = Ed25519PrivateKey.generate()
    problem = unauthorized(verifier, mint_token(stranger, BSN, LIFETIME))
    assert "trusted issuer" in problem.detail


def test_a_verifier_without_keys_refuses_everything(private_key: Ed25519PrivateKey) -> None:
    unauthorized(CitizenTokenVerifier({}), mint_token(private_key, BSN, LIFETIME))


@pytest.mark.parametrize("subject", ["999993654", "12345678", "jan.jansen", "000000000"])
def test_a_token_whose_subject_is_no_bsn_is_refused(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier, subject: str
) -> None:
    problem = unauthorized(verifier, mint_token(private_key, subject, LIFETIME))
    assert subject not in problem.detail


def test_an_unsigned_or_differently_signed_token_is_refused(
    verifier: CitizenTokenVerifier,
) -> None:
    unsigned = jwt.encode(claims(), "", algorithm="none")
    unauthorized(verifier, unsigned)
    hmac = jwt.encode(claims(), "gedeeld-geheim-van-minstens-32-bytes!", algorithm="HS256")
    unauthorized(verifier, hmac)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "eyJhbGciOiJFZERTQSJ9.e30."])
def test_garbage_is_refused(verifier: CitizenTokenVerifier, token: str) -> None:
    unauthorized(verifier, token)


def test_a_tampered_token_is_refused(
    private_key: Ed25519PrivateKey, verifier: CitizenTokenVerifier
) -> None:
    header, _, signature = mint_token(private_key, BSN, LIFETIME).split(".")
    forged_claims = jwt.encode(claims(sub="111222333"), Ed25519PrivateKey.generate(), "EdDSA")
    forged = ".".join([header, forged_claims.split(".")[1], signature])
    unauthorized(verifier, forged)


def test_keys_load_from_a_pem_file_with_several_keys(tmp_path: Path) -> None:
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    pem = b"".join(
        key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        for key in (first, second)
    )
    path = tmp_path / "issuer.pub"
    path.write_bytes(pem)
    verifier = CitizenTokenVerifier.from_file(path)
    assert verifier.verify(mint_token(second, BSN, LIFETIME)) == Citizen(BSN)
    assert verifier.verify(mint_token(first, BSN, LIFETIME)) == Citizen(BSN)


def test_the_dev_key_pair_in_config_belongs_together() -> None:
    token = mint_token(load_private_key(DEV_PRIVATE_KEY), BSN, LIFETIME)
    assert CitizenTokenVerifier.from_file(DEV_PUBLIC_KEYS).verify(token) == Citizen(BSN)
