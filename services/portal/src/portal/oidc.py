"""Login with DigiD through OpenID Connect (NL GOV profile): authorization code flow with PKCE
(S256), state and nonce, private_key_jwt client authentication, and a verified ID token.

Authlib builds the protocol messages (authorization URI, token request, PKCE challenge);
joserfc, Authlib's JOSE library, signs the client assertion and verifies the ID token.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from mijnoverheid.assurance import Level, level_of
from portal.sessions import LoginAttempt

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256"]


class LoginError(Exception):
    """The login did not give a usable identity; `reason` picks the page the citizen sees."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    bsn: str
    level: Level
    name: str
    # Development only (the mock's claim); production takes it from the BRP.
    birthdate: date | None


class OidcClient:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_key: ECKey,
        redirect_uri: str,
        http: httpx.AsyncClient,
        backchannel: str | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        # Development in containers: the browser reaches the mock at the issuer URL, the
        # portal's own calls go to the mock's address on the container network.
        self._backchannel = backchannel.rstrip("/") if backchannel else None
        self.client_id = client_id
        self._key = client_key
        self.redirect_uri = redirect_uri
        self._http = http
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            response = await self._http.get(
                self._server_side(f"{self.issuer}/.well-known/openid-configuration")
            )
            response.raise_for_status()
            found: dict[str, Any] = response.json()
            if found.get("issuer", "").rstrip("/") != self.issuer:
                raise LoginError("provider", "the discovery document names another issuer")
            self._metadata = found
        return self._metadata

    async def begin(self, minimum: Level, next_path: str) -> tuple[str, LoginAttempt]:
        """The URL to send the browser to, and what the callback must find in the session."""
        attempt = LoginAttempt(
            state=generate_token(32),
            nonce=generate_token(32),
            verifier=generate_token(64),
            next_path=next_path,
        )
        url = prepare_grant_uri(
            (await self.metadata())["authorization_endpoint"],
            self.client_id,
            "code",
            redirect_uri=self.redirect_uri,
            scope="openid",
            state=attempt.state,
            nonce=attempt.nonce,
            code_challenge=create_s256_code_challenge(attempt.verifier),
            code_challenge_method="S256",
            acr_values=minimum.value,
        )
        return url, attempt

    async def finish(self, code: str, attempt: LoginAttempt) -> Identity:
        metadata = await self.metadata()
        token_endpoint = metadata["token_endpoint"]
        body = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=self.redirect_uri,
            code_verifier=attempt.verifier,
            client_id=self.client_id,
            client_assertion_type=ASSERTION_TYPE,
            client_assertion=self._assertion(token_endpoint),
        )
        response = await self._http.post(
            self._server_side(token_endpoint),
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if response.status_code != 200:
            raise LoginError("provider", f"token endpoint answered {response.status_code}")
        id_token = response.json().get("id_token")
        if not isinstance(id_token, str):
            raise LoginError("provider", "no id_token in the token response")
        return await self._verify(id_token, attempt.nonce)

    def _assertion(self, token_endpoint: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": token_endpoint,
            "iat": now,
            "exp": now + 60,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode({"alg": "ES256", "kid": self._key.kid}, claims, self._key)

    async def _verify(self, id_token: str, nonce: str) -> Identity:
        try:
            token = jwt.decode(id_token, await self._jwks(), algorithms=ID_TOKEN_ALGORITHMS)
        except (JoseError, ValueError):
            # A rotated key: fetch the set once more, then give up.
            self._keys = None
            try:
                token = jwt.decode(id_token, await self._jwks(), algorithms=ID_TOKEN_ALGORITHMS)
            except (JoseError, ValueError) as error:
                raise LoginError("provider", f"ID token does not verify: {error}") from error
        claims = token.claims
        try:
            jwt.JWTClaimsRegistry(
                leeway=30,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.client_id},
                exp={"essential": True},
                iat={"essential": True},
                sub={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(claims)
        except JoseError as error:
            raise LoginError("provider", f"ID token claims: {error}") from error
        level = level_of(claims.get("acr"))
        if level is None:
            raise LoginError("acr", "no known assurance level in the ID token")
        birthdate = claims.get("birthdate")
        return Identity(
            bsn=str(claims["sub"]),
            level=level,
            name=str(claims.get("name", "")),
            birthdate=date.fromisoformat(birthdate) if isinstance(birthdate, str) else None,
        )

    async def _jwks(self) -> KeySet:
        if self._keys is None:
            response = await self._http.get(self._server_side((await self.metadata())["jwks_uri"]))
            response.raise_for_status()
            self._keys = KeySet.import_key_set(response.json())
        return self._keys

    def _server_side(self, url: str) -> str:
        if self._backchannel and url.startswith(self.issuer):
            return self._backchannel + url[len(self.issuer) :]
        return url

    async def end_session_url(self, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout with client_id instead of id_token_hint: the ID token holds the
        BSN, and a BSN never goes into a URL (the IdP knows its session by its own cookie)."""
        endpoint = (await self.metadata()).get("end_session_endpoint")
        if not endpoint:
            return None
        return str(
            httpx.URL(
                endpoint,
                params={
                    "client_id": self.client_id,
                    "post_logout_redirect_uri": post_logout_redirect_uri,
                },
            )
        )
