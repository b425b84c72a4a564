"""Tokens to the services, session lifetimes, CSRF, redirects and settings: no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import jwt
import pytest

from mijnoverheid.assurance import Level
from mijnoverheid.auth import CitizenTokenVerifier
from mijnoverheid.problems import ProblemError
from notifier.adapters.templates import PORTAL_PATHS, VERIFY_PATH
from portal import keys
from portal.accounts import age_on, may_have_account
from portal.sessions import Session, SessionPolicy, csrf_matches, digest
from portal.settings import PortalSettings
from portal.tokens import TokenMinter, key_id
from portal.web.app import create_app
from portal.web.security import content_security_policy, local_path

BSN = "999993653"
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    keys.token_signing_key(tmp_path / "token.key", generate=True)
    keys.oidc_client_key(tmp_path / "client.jwk.json", generate=True)
    return tmp_path


def test_a_service_token_is_short_lived_eddsa_with_issuer_and_key_id(key_dir: Path) -> None:
    key = keys.token_signing_key(key_dir / "token.key", generate=False)
    token = TokenMinter(key, "urn:nld:mijnoverheid:portal", 120).mint(BSN)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "EdDSA"
    assert header["kid"] == key_id(key)
    assert claims["iss"] == "urn:nld:mijnoverheid:portal"
    assert claims["aud"] == "mijnoverheid"
    assert claims["sub"] == BSN
    assert claims["exp"] - claims["iat"] == 120
    # The services accept it with the portal's public key, and nothing else signs for it.
    verifier = CitizenTokenVerifier.from_files(
        {"urn:nld:mijnoverheid:portal": keys.public_pem_path(key_dir / "token.key")}
    )
    assert verifier.verify(token).bsn == BSN
    other = keys.token_signing_key(key_dir / "other.key", generate=True)
    with pytest.raises(ProblemError):
        verifier.verify(TokenMinter(other, "urn:nld:mijnoverheid:portal", 120).mint(BSN))


def test_a_service_token_never_lives_longer_than_five_minutes(key_dir: Path) -> None:
    key = keys.token_signing_key(key_dir / "token.key", generate=False)
    with pytest.raises(ValueError, match="300"):
        TokenMinter(key, "urn:x", 301)
    expired = TokenMinter(key, "urn:nld:mijnoverheid:portal", 60).mint(BSN, now=T0.timestamp())
    verifier = CitizenTokenVerifier.from_files(
        {"urn:nld:mijnoverheid:portal": keys.public_pem_path(key_dir / "token.key")}
    )
    with pytest.raises(ProblemError, match="expired"):
        verifier.verify(expired)


def test_keys_are_never_generated_outside_development(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        keys.token_signing_key(tmp_path / "absent.key", generate=False)
    with pytest.raises(FileNotFoundError):
        keys.oidc_client_key(tmp_path / "absent.jwk.json", generate=False)
    keys.token_signing_key(tmp_path / "dev.key", generate=True)
    assert (tmp_path / "dev.key").stat().st_mode & 0o077 == 0, "a private key is private"


def session(created: datetime, last_seen: datetime) -> Session:
    return Session("k", "csrf-token-value", created, last_seen)


def test_a_session_dies_after_15_idle_minutes_and_at_its_absolute_limit() -> None:
    policy = SessionPolicy(idle=timedelta(minutes=15), absolute=timedelta(hours=8))
    assert policy.alive(session(T0, T0), T0 + timedelta(minutes=14, seconds=59))
    assert not policy.alive(session(T0, T0), T0 + timedelta(minutes=15))
    busy = session(T0, T0 + timedelta(hours=7, minutes=59))
    assert policy.alive(busy, T0 + timedelta(hours=7, minutes=59, seconds=59))
    assert not policy.alive(busy, T0 + timedelta(hours=8)), "activity never extends past 8 h"


def test_csrf_token_must_be_present_and_exact() -> None:
    current = session(T0, T0)
    assert csrf_matches(current, "csrf-token-value")
    for wrong in (None, "", "csrf-token-valuE", "csrf-token-value "):
        assert not csrf_matches(current, wrong)


def test_the_database_keeps_only_a_digest_of_the_cookie() -> None:
    assert digest("raw") != "raw"
    assert len(digest("raw")) == 64


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example", "/\\evil", "javascript:alert(1)", ""]
)
def test_redirect_targets_stay_on_the_portal(target: str) -> None:
    assert local_path(target) == "/overzicht"


def test_local_redirect_targets_are_kept() -> None:
    assert local_path("/berichtenbox?map=archive") == "/berichtenbox?map=archive"


def test_the_csp_allows_no_inline_code_and_no_framing() -> None:
    policy = content_security_policy("https://digid.example/oidc")
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "form-action 'self' https://digid.example" in policy


def test_age_from_the_date_of_birth() -> None:
    assert age_on(date(2012, 12, 1), date(2026, 11, 30)) == 13
    assert age_on(date(2012, 11, 30), date(2026, 11, 30)) == 14
    assert not may_have_account(date(2012, 12, 1), date(2026, 11, 30))
    assert may_have_account(date(2012, 11, 30), date(2026, 11, 30))
    assert may_have_account(date(2012, 2, 29), date(2026, 3, 1))  # leap day: 1 March counts


def test_production_needs_its_keys_https_and_secure_cookies(key_dir: Path) -> None:
    base = {
        "oidc_issuer": "https://digid.example",
        "amqp_url": "amqps://rabbitmq.example/mijnoverheid",
        "amqp_cert_file": key_dir / "portal.pem",  # its certificate logs in (EXTERNAL)
        "amqp_key_file": key_dir / "portal.key",
        "mongodb_url": "mongodb://db.example/?tls=true",
        "_env_file": None,
    }

    def problems(**settings: object) -> str:
        configured = PortalSettings(**{**base, **settings})  # type: ignore[arg-type]
        return "\n".join(configured.production_problems())

    assert "OIDC_CLIENT_KEY" in problems()
    complete = {
        "oidc_client_key": key_dir / "client.jwk.json",
        "portal_token_signing_key": key_dir / "token.key",
        "portal_url": "https://mijn.overheid.example",
    }
    assert problems(**complete) == ""
    assert PortalSettings(**base, **complete).oidc_min_acr is Level.MIDDEN  # type: ignore[arg-type]
    assert "SESSION_COOKIE_SECURE" in problems(**complete, session_cookie_secure=False)
    assert "https" in problems(**{**complete, "portal_url": "http://mijn.overheid.example"})
    assert "amqps" in problems(**complete, amqp_url="amqp://portal:x@rabbitmq.example/")
    stricter = PortalSettings(**base, oidc_min_acr="substantieel", **complete)  # type: ignore[arg-type]
    assert stricter.oidc_min_acr is Level.SUBSTANTIEEL


async def test_every_link_the_notifier_mails_is_a_portal_page(key_dir: Path) -> None:
    settings = PortalSettings(
        mijnoverheid_environment="development",
        amqp_url="amqp://portal:portal-local-secret@127.0.0.1/mijnoverheid",
        oidc_issuer="http://127.0.0.1:1",
        oidc_client_key=key_dir / "client.jwk.json",
        portal_token_signing_key=key_dir / "token.key",
    )
    mailed = {*PORTAL_PATHS.values(), VERIFY_PATH}
    assert mailed == {
        "/berichtenbox",
        "/lopende-zaken",
        "/persoonlijke-gegevens",
        "/contactgegevens/bevestigen",
    }
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
        assert (await client.get("/no-such-page")).status_code == 404
        for path in mailed:
            answer = await client.get(path, params={"code": "ABCD-EFGH"})
            # The page exists and, without a session, sends the citizen to log in first.
            assert answer.status_code == 303, path
            target = quote(f"{path}?code=ABCD-EFGH", safe="/")
            assert answer.headers["location"] == f"/inloggen?terug={target}", "code kept"
