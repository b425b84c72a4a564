"""Who may deliver: an organisation's Open Notificaties with its OAuth2 client credentials or its
certificate (mutual TLS); everyone else gets 401 problem+json, and a certificate the test CA did
not issue does not even get through the handshake."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import jwt
import pytest

from mijnoverheid_testing.zgw.api import ZgwApi
from mijnoverheid_testing.zgw.notificaties import GEMUTEERD, thin_event
from zgw_connector.entrypoints.credentials import ISSUER
from zgw_connector.settings import DEV_TOKEN_SECRET

pytestmark = pytest.mark.integration

Connector = Any  # conftest.Connector


def a_zaak(api: ZgwApi) -> dict[str, Any]:
    return api.data.zaak(api.data.zaaktype(), f"ZAAK-{uuid.uuid4().hex[:8]}")


def token(secret: str = DEV_TOKEN_SECRET, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": ISSUER,
        "sub": "voorbeeldstad-open-notificaties",
        "iat": now,
        "exp": now + 60,
        **claims,
    }
    return jwt.encode(body, secret, algorithm="HS256")


def assert_unauthorized(answer: httpx.Response) -> None:
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.json()["status"] == 401


async def test_without_credentials_the_answer_is_401_problem_json(
    connector: Connector, zgw_api: ZgwApi
) -> None:
    event = thin_event(GEMUTEERD, a_zaak(zgw_api))
    assert_unauthorized(await connector.notificaties.deliver(event, authenticate=False))


@pytest.mark.parametrize(
    ("case", "forged"),
    [
        ("signed with another key", lambda: token("not-the-connectors-secret-at-all-000000")),
        ("expired", lambda: token(iat=int(time.time()) - 400, exp=int(time.time()) - 100)),
        ("living too long", lambda: token(exp=int(time.time()) + 3600)),
        ("for another audience", lambda: token(aud="urn:elders")),
        ("of an unknown client", lambda: token(sub="nobody")),
        ("not a JWT", lambda: "abc.def.ghi"),
    ],
)
async def test_a_wrong_access_token_is_401_problem_json(
    connector: Connector, zgw_api: ZgwApi, case: str, forged: Any
) -> None:
    event = thin_event(GEMUTEERD, a_zaak(zgw_api))
    assert_unauthorized(await connector.notificaties.deliver(event, token=forged()))


async def test_the_token_endpoint_refuses_a_wrong_secret_and_a_wrong_grant(
    connector: Connector,
) -> None:
    trust = connector.notificaties.trust
    async with httpx.AsyncClient(verify=trust, base_url=connector.endpoint) as client:
        wrong = await client.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=("voorbeeldstad-open-notificaties", "wrong"),
        )
        unknown = await client.post(
            "/oauth2/token", data={"grant_type": "client_credentials"}, auth=("nobody", "x")
        )
        grant = await client.post(
            "/oauth2/token",
            data={"grant_type": "password"},
            auth=(connector.notificaties.client_id, connector.notificaties.secret),
        )
        in_the_form = await client.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": connector.notificaties.client_id,
                "client_secret": connector.notificaties.secret,
            },
        )
    for refused in (wrong, unknown):
        assert refused.status_code == 401
        assert refused.json() == {"error": "invalid_client"}
    assert grant.status_code == 400
    assert grant.json() == {"error": "unsupported_grant_type"}
    assert in_the_form.status_code == 200, "RFC 6749 § 2.3.1 allows the secret in the body"
    assert in_the_form.json()["token_type"] == "Bearer"
    assert in_the_form.headers["cache-control"] == "no-store"


async def test_the_organisations_certificate_alone_identifies_it(
    connector: Connector, zgw_api: ZgwApi
) -> None:
    own = connector.pki.organisation("gemeente-voorbeeldstad").client_context(connector.pki.bundle)
    event = thin_event(GEMUTEERD, a_zaak(zgw_api))
    answer = await connector.notificaties.deliver(event, authenticate=False, tls=own)
    assert answer.status_code == 202


async def test_another_organisations_certificate_is_401(
    connector: Connector, zgw_api: ZgwApi
) -> None:
    # A valid certificate of an organisation that is not configured for the connector, alone
    # and beside the municipality's own valid token: it never speaks for the municipality.
    other = connector.pki.organisation("belastingdienst").client_context(connector.pki.bundle)
    event = thin_event(GEMUTEERD, a_zaak(zgw_api))
    assert_unauthorized(await connector.notificaties.deliver(event, authenticate=False, tls=other))
    assert_unauthorized(await connector.notificaties.deliver(event, tls=other))


async def test_a_certificate_of_a_foreign_ca_does_not_get_through_the_handshake(
    connector: Connector, zgw_api: ZgwApi
) -> None:
    foreign = connector.pki.invalid("foreign-ca").client_context(connector.pki.bundle)
    event = thin_event(GEMUTEERD, a_zaak(zgw_api))
    with pytest.raises(httpx.HTTPError):
        await connector.notificaties.deliver(event, authenticate=False, tls=foreign)


async def test_what_is_not_a_cloudevent_is_refused_before_anything_is_done(
    connector: Connector,
) -> None:
    bearer = {"Authorization": f"Bearer {await connector.notificaties.token()}"}
    trust = connector.notificaties.trust
    async with httpx.AsyncClient(verify=trust, base_url=connector.endpoint) as client:
        not_json = await client.post(
            "/api/v1/cloudevents", content=b"<xml/>", headers={**bearer, "Content-Type": "text/xml"}
        )
        too_large = await client.post(
            "/api/v1/cloudevents",
            content=b" " * (64 * 1024 + 1),
            headers={**bearer, "Content-Type": "application/cloudevents+json"},
        )
        not_an_event = await client.post(
            "/api/v1/cloudevents",
            json={"specversion": "0.3", "id": "x"},
            headers={**bearer, "Content-Type": "application/cloudevents+json"},
        )
        unsupported = await client.post(
            "/api/v1/cloudevents",
            json={"specversion": "1.0", "id": "x", "source": "s", "type": "nl.overheid.zaken.x"},
            headers={**bearer, "Content-Type": "application/cloudevents+json"},
        )
    assert (not_json.status_code, too_large.status_code) == (415, 413)
    assert not_an_event.status_code == 422
    assert unsupported.status_code == 422
    assert unsupported.json()["code"] == "unsupported-event-type"
    for answer in (not_json, too_large, not_an_event, unsupported):
        assert answer.headers["content-type"] == "application/problem+json"
