"""The OpenID Connect rules the mock enforces: the authorization request (code flow, PKCE S256,
state, nonce), one-time codes, private_key_jwt client assertions and the signed ID token.

The state lives in memory: the mock is one process, for development and tests. Authlib gives
the PKCE transform; joserfc (Authlib's JOSE library since authlib.jose was deprecated) signs
and verifies.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from joserfc.jws import extract_compact

from digid_mock.clients import Client, Clients
from digid_mock.persons import TestPerson
from mijnoverheid.assurance import Level

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ["RS256", "PS256", "ES256"]
ID_TOKEN_ALGORITHM = "RS256"  # noqa: S105 - an algorithm name
MAX_ASSERTION_LIFETIME = 300


class ProtocolError(Exception):
    """An OAuth error (RFC 6749 § 4.1.2.1 / § 5.2): a code and a description for the client."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


class UnknownClientError(ProtocolError):
    """Never redirect for these: the redirect URI cannot be trusted (RFC 6749 § 4.1.2.1)."""


@dataclass(frozen=True)
class AuthorizationRequest:
    client: Client
    redirect_uri: str
    state: str
    nonce: str
    code_challenge: str
    requested_level: Level | None


@dataclass(frozen=True)
class Grant:
    request: AuthorizationRequest
    person: TestPerson
    level: Level
    expires: float


@dataclass
class Provider:
    issuer: str
    clients: Clients
    code_lifetime: int
    token_lifetime: int
    signing_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, auto_kid=True))
    _pending: dict[str, AuthorizationRequest] = field(default_factory=dict)
    _codes: dict[str, Grant] = field(default_factory=dict)
    _used_assertions: dict[str, float] = field(default_factory=dict)

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/token"

    def authorization_request(self, query: dict[str, str]) -> AuthorizationRequest:
        client = self.clients.get(query.get("client_id", ""))
        if client is None:
            raise UnknownClientError("invalid_client", "unknown client_id")
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            raise UnknownClientError("invalid_request", "redirect_uri is not registered")
        if query.get("response_type") != "code":
            raise ProtocolError("unsupported_response_type", "only response_type=code")
        if "openid" not in query.get("scope", "").split():
            raise ProtocolError("invalid_scope", "scope must contain openid")
        for required in ("state", "nonce", "code_challenge"):
            if not query.get(required):
                raise ProtocolError("invalid_request", f"{required} is required")
        if query.get("code_challenge_method") != "S256":
            raise ProtocolError("invalid_request", "PKCE: code_challenge_method must be S256")
        requested = [v for v in query.get("acr_values", "").split() if v]
        levels = [level for level in Level if level.value in requested]
        return AuthorizationRequest(
            client=client,
            redirect_uri=redirect_uri,
            state=query["state"],
            nonce=query["nonce"],
            code_challenge=query["code_challenge"],
            requested_level=min(levels, key=list(Level).index) if levels else None,
        )

    def park(self, request: AuthorizationRequest) -> str:
        """Keep the request while the person picks who they are; the id goes into the form."""
        transaction = secrets.token_urlsafe(24)
        self._pending[transaction] = request
        return transaction

    def take_pending(self, transaction: str) -> AuthorizationRequest | None:
        return self._pending.pop(transaction, None)

    def issue_code(self, request: AuthorizationRequest, person: TestPerson, level: Level) -> str:
        code = secrets.token_urlsafe(32)
        self._codes[code] = Grant(request, person, level, time.monotonic() + self.code_lifetime)
        return code

    def exchange(self, form: dict[str, str]) -> dict[str, Any]:
        """The token endpoint: authenticate the client, then redeem the code exactly once."""
        client = self._authenticate(form)
        if form.get("grant_type") != "authorization_code":
            raise ProtocolError("unsupported_grant_type", "only authorization_code")
        grant = self._codes.pop(form.get("code", ""), None)  # one use, even when refused below
        if grant is None or grant.expires < time.monotonic():
            raise ProtocolError("invalid_grant", "unknown, used or expired code")
        if grant.request.client.client_id != client.client_id:
            raise ProtocolError("invalid_grant", "the code was issued to another client")
        if form.get("redirect_uri") != grant.request.redirect_uri:
            raise ProtocolError("invalid_grant", "redirect_uri differs from the authorization")
        verifier = form.get("code_verifier", "")
        if not 43 <= len(verifier) <= 128:
            raise ProtocolError("invalid_grant", "code_verifier must be 43-128 characters")
        if not secrets.compare_digest(
            create_s256_code_challenge(verifier), grant.request.code_challenge
        ):
            raise ProtocolError("invalid_grant", "code_verifier does not match the challenge")
        return {
            "access_token": secrets.token_urlsafe(32),
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "id_token": self._id_token(grant),
        }

    def _authenticate(self, form: dict[str, str]) -> Client:
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
            raise ProtocolError("invalid_client", "private_key_jwt client authentication", 401)
        assertion = form["client_assertion"]
        client_id = _claimed_issuer(assertion)
        client = self.clients.get(client_id)
        if client is None or form.get("client_id", client_id) != client_id:
            raise ProtocolError("invalid_client", "unknown client", 401)
        try:
            token = jwt.decode(assertion, client.public_keys(), algorithms=ASSERTION_ALGORITHMS)
            now = int(time.time())
            jwt.JWTClaimsRegistry(
                now=now,
                leeway=30,
                iss={"essential": True, "value": client_id},
                sub={"essential": True, "value": client_id},
                aud={"essential": True, "values": [self.token_endpoint, self.issuer]},
                exp={"essential": True},
                jti={"essential": True},
            ).validate(token.claims)
        except (JoseError, ValueError, OSError) as error:
            raise ProtocolError("invalid_client", f"client_assertion: {error}", 401) from error
        if int(token.claims["exp"]) - now > MAX_ASSERTION_LIFETIME:
            raise ProtocolError("invalid_client", "client_assertion lives too long", 401)
        self._forget_old_assertions(now)
        jti = f"{client_id}:{token.claims['jti']}"
        if jti in self._used_assertions:
            raise ProtocolError("invalid_client", "client_assertion was used before", 401)
        self._used_assertions[jti] = float(token.claims["exp"]) + 60
        return client

    def _forget_old_assertions(self, now: float) -> None:
        for jti in [jti for jti, until in self._used_assertions.items() if until < now]:
            del self._used_assertions[jti]

    def _id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": grant.request.client.client_id,
            "sub": grant.person.bsn,
            "iat": now,
            "exp": now + self.token_lifetime,
            "auth_time": now,
            "nonce": grant.request.nonce,
            "acr": grant.level.value,
            # Development only: production takes name and date of birth from the BRP.
            "name": grant.person.name,
            "birthdate": grant.person.birthdate.isoformat(),
        }
        header = {"alg": ID_TOKEN_ALGORITHM, "kid": self.signing_key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self.signing_key)

    def jwks(self) -> dict[str, Any]:
        public = self.signing_key.as_dict(private=False)
        return {"keys": [{**public, "use": "sig", "alg": ID_TOKEN_ALGORITHM}]}


def _claimed_issuer(assertion: str) -> str:
    """Who the assertion says it is from, unverified: that decides which keys verify it."""
    try:
        claims = json.loads(extract_compact(assertion.encode()).payload)
    except (JoseError, ValueError) as error:
        raise ProtocolError("invalid_client", "client_assertion is not a JWS", 401) from error
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(issuer, str):
        raise ProtocolError("invalid_client", "client_assertion has no iss", 401)
    return issuer
