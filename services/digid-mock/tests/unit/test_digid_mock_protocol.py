"""The mock's OIDC rules without HTTP: PKCE, one-time codes, client assertions, the ID token."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from digid_mock.clients import Client, Clients
from digid_mock.persons import TestPerson, TestPersons
from digid_mock.protocol import ASSERTION_TYPE, ProtocolError, Provider, UnknownClientError
from digid_mock.settings import MockSettings, NotInDevelopmentError
from mijnoverheid.assurance import Level, level_of
from mijnoverheid.identity import is_valid_bsn
from mijnoverheid.settings import REPOSITORY_ROOT

REDIRECT = "http://portal.test/inloggen/terug"
VERIFIER = "v" * 50
ISSUER = "http://mock.test"


@pytest.fixture
def client_key() -> ECKey:
    return ECKey.generate_key("P-256", auto_kid=True)


@pytest.fixture
def provider(tmp_path: Path, client_key: ECKey) -> Provider:
    jwks = tmp_path / "client.jwks.json"
    jwks.write_text(json.dumps(KeySet([client_key]).as_dict(private=False)))
    client = Client(client_id="portal", redirect_uris=(REDIRECT,), jwks_file=jwks)
    return Provider(ISSUER, Clients(clients=(client,)), code_lifetime=60, token_lifetime=300)


PERSON = TestPerson(bsn="999993653", name="J. Jansen", birthdate=date(1981, 4, 23))


def query(**overrides: str) -> dict[str, str]:
    return {
        "client_id": "portal",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid",
        "state": "st",
        "nonce": "no",
        "code_challenge": create_s256_code_challenge(VERIFIER),
        "code_challenge_method": "S256",
        **overrides,
    }


def assertion(key: ECKey, **claims: object) -> str:
    now = int(time.time())
    body = {
        "iss": "portal",
        "sub": "portal",
        "aud": f"{ISSUER}/token",
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, body, key)


def token_form(code: str, key: ECKey, **overrides: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(key),
        **overrides,
    }


def code_for(provider: Provider, level: Level = Level.MIDDEN) -> str:
    return provider.issue_code(provider.authorization_request(query()), PERSON, level)


def test_code_flow_gives_a_signed_id_token_with_nonce_acr_and_birthdate(
    provider: Provider, client_key: ECKey
) -> None:
    answer = provider.exchange(token_form(code_for(provider, Level.SUBSTANTIEEL), client_key))
    keys = KeySet.import_key_set(provider.jwks())  # type: ignore[arg-type]
    claims = jwt.decode(answer["id_token"], keys, algorithms=["RS256"]).claims
    assert claims["iss"] == ISSUER
    assert claims["aud"] == "portal"
    assert claims["sub"] == "999993653"
    assert claims["nonce"] == "no"
    assert claims["acr"] == "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard"
    assert claims["birthdate"] == "1981-04-23"
    assert claims["exp"] - claims["iat"] == 300


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"state": ""}, "invalid_request"),
        ({"nonce": ""}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_authorization_requests_without_pkce_state_nonce_or_openid_are_refused(
    provider: Provider, overrides: dict[str, str], error: str
) -> None:
    with pytest.raises(ProtocolError) as refused:
        provider.authorization_request(query(**overrides))
    assert refused.value.error == error


def test_unknown_client_or_redirect_is_never_redirected_to(provider: Provider) -> None:
    with pytest.raises(UnknownClientError):
        provider.authorization_request(query(client_id="other"))
    with pytest.raises(UnknownClientError):
        provider.authorization_request(query(redirect_uri="http://evil.test/cb"))


def test_a_code_works_once_and_only_with_the_right_verifier(
    provider: Provider, client_key: ECKey
) -> None:
    code = code_for(provider)
    with pytest.raises(ProtocolError, match="code_verifier"):
        provider.exchange(token_form(code, client_key, code_verifier="w" * 50))
    # A refused attempt spends the code too: a guessed verifier gets no second try.
    with pytest.raises(ProtocolError, match="code"):
        provider.exchange(token_form(code, client_key))


def test_client_must_authenticate_with_its_own_key_and_fresh_assertion(
    provider: Provider, client_key: ECKey
) -> None:
    stranger = ECKey.generate_key("P-256", auto_kid=True)
    with pytest.raises(ProtocolError) as refused:
        provider.exchange(token_form(code_for(provider), stranger))
    assert refused.value.error == "invalid_client"
    assert refused.value.status == 401

    no_assertion = token_form(code_for(provider), client_key)
    del no_assertion["client_assertion"]
    with pytest.raises(ProtocolError, match="private_key_jwt"):
        provider.exchange(no_assertion)

    replayed = assertion(client_key)
    provider.exchange(token_form(code_for(provider), client_key, client_assertion=replayed))
    with pytest.raises(ProtocolError, match="used before"):
        provider.exchange(token_form(code_for(provider), client_key, client_assertion=replayed))

    long_lived = assertion(client_key, exp=int(time.time()) + 3600)
    with pytest.raises(ProtocolError, match="too long"):
        provider.exchange(token_form(code_for(provider), client_key, client_assertion=long_lived))


def test_the_mock_refuses_to_start_outside_development() -> None:
    for environment in (None, "production"):
        with pytest.raises(NotInDevelopmentError):
            MockSettings(environment=environment).require_development()
    MockSettings(environment="development").require_development()


def test_the_test_persons_pass_the_elfproef_and_cover_the_demo_citizens() -> None:
    persons = TestPersons.load(REPOSITORY_ROOT / "config" / "digid-test-persons.yaml")
    assert all(is_valid_bsn(person.bsn) for person in persons.persons)
    for demo_citizen in ("999993653", "999990019"):
        assert persons.by_bsn(demo_citizen) is not None
    today = date.today()
    ages = [
        today.year - p.birthdate.year - (today < p.birthdate.replace(year=today.year))
        for p in persons.persons
    ]
    assert min(ages) < 14 <= max(ages)


def test_acr_values_are_digids_saml_classes_in_order() -> None:
    assert [level.label for level in Level] == ["basis", "midden", "substantieel", "hoog"]
    assert (
        level_of("urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract") is Level.MIDDEN
    )
    assert level_of("midden") is None


def test_the_portal_reads_the_same_acr_values() -> None:
    from mijnoverheid.assurance import Level as PortalLevel

    assert [level.value for level in PortalLevel] == [level.value for level in Level]
