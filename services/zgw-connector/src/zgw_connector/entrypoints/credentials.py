"""Who is delivering: an organisation's Open Notificaties, known by its OAuth2 client
credentials or by its PKIoverheid certificate, never by what the event says.

- OAuth2 client credentials (RFC 6749 § 4.4), as Open Notificaties' subscriptions support:
  the client gets an access token at `POST /oauth2/token` with its client id and secret (HTTP
  Basic or form), then sends `Authorization: Bearer <token>`. The token is a JWT the connector
  signs itself (HS256, `ZGW_TOKEN_SECRET`, shared by every replica): issuer and audience the
  connector's, `sub` the client id, at most `TOKEN_LIFETIME_SECONDS`. The client id is the
  registry's `zgw.notification_client_id`, so it names exactly one organisation.
- Mutual TLS: with `ZGW_TLS_CLIENT_CA_FILE` the endpoint asks for a client certificate and
  verifies it; a certificate whose subject is one of an organisation's `certificate_users`
  (its OIN in serialNumber, as for the broker) is that organisation.

With both, they must name the same organisation. The organisation must have `zgw`.
"""

from __future__ import annotations

import hmac
import time
import uuid
from dataclasses import dataclass

import jwt
from cryptography import x509

from mijnoverheid.certificates import rabbitmq_username
from mijnoverheid.identity import Organisation, OrganisationRegistry

ISSUER = "urn:nld:mijnoverheid:zgw-connector"
TOKEN_LIFETIME_SECONDS = 300
LEEWAY_SECONDS = 30
ALGORITHM = "HS256"


class NotAuthenticatedError(Exception):
    """No organisation could be established (the detail names no secret)."""


@dataclass(frozen=True)
class Credentials:
    registry: OrganisationRegistry
    # client id -> secret of each organisation's Open Notificaties
    client_secrets: dict[str, str]
    token_secret: str

    def client(self, client_id: str, secret: str) -> Organisation:
        """The organisation whose Open Notificaties this is, if the secret is right."""
        organisation = self.registry.by_notification_client(client_id)
        expected = self.client_secrets.get(client_id)
        if organisation is None or expected is None:
            # Compare anyway: the answer takes as long for an unknown client as a known one.
            hmac.compare_digest(secret.encode(), b"x" * 32)
            raise NotAuthenticatedError("unknown client or wrong secret")
        if not hmac.compare_digest(secret.encode(), expected.encode()):
            raise NotAuthenticatedError("unknown client or wrong secret")
        return organisation

    def issue(self, client_id: str) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": ISSUER,
            "sub": client_id,
            "iat": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self.token_secret, algorithm=ALGORITHM)

    def bearer(self, token: str) -> Organisation:
        try:
            claims = jwt.decode(
                token,
                self.token_secret,
                algorithms=[ALGORITHM],
                audience=ISSUER,
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "sub", "iat", "exp"]},
            )
        except jwt.PyJWTError as error:
            raise NotAuthenticatedError("the access token is not valid") from error
        if int(claims["exp"]) - int(claims["iat"]) > TOKEN_LIFETIME_SECONDS:
            raise NotAuthenticatedError("the access token lives too long")
        organisation = self.registry.by_notification_client(str(claims["sub"]))
        if organisation is None:
            raise NotAuthenticatedError("the access token's client is not registered")
        return organisation

    def certificate(self, pem: str) -> Organisation:
        """The organisation of a client certificate the TLS handshake verified."""
        user = rabbitmq_username(x509.load_pem_x509_certificate(pem.encode()))
        found = next((o for o in self.registry.organisations if user in o.certificate_users), None)
        if found is None or found.zgw is None:
            raise NotAuthenticatedError("the client certificate is not an organisation's")
        return found
