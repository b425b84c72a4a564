"""The connector's public HTTP API, for organisations' Open Notificaties:

- `POST /oauth2/token`: OAuth2 client credentials → a short-lived access token;
- `POST /api/v1/cloudevents`: one thin CloudEvent (structured JSON, as Open Notificaties sends
  it) → `202 Accepted`, also for a replay; `401` without valid credentials, `422` for an event
  the connector cannot act on (an unsupported type, a zaak outside the organisation's Zaken
  API), `413`/`415` for a body that is too large or not JSON. Errors are problem+json.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from mijnoverheid.forms import FormError, read_form
from mijnoverheid.identity import Organisation
from mijnoverheid.problems import PROBLEM_JSON
from zgw_connector.domain.thin_event import ThinEvent, Unacceptable
from zgw_connector.entrypoints.credentials import (
    TOKEN_LIFETIME_SECONDS,
    Credentials,
    NotAuthenticatedError,
)
from zgw_connector.entrypoints.listener import client_certificate
from zgw_connector.handlers.receive import Receipt

logger = logging.getLogger(__name__)

MAX_EVENT_BYTES = 64 * 1024
RETRY_AFTER_SECONDS = 30
_JSON_TYPES = ("application/cloudevents+json", "application/json")
Receive = Callable[[Organisation, ThinEvent], Awaitable[Receipt | Unacceptable]]


class ThinCloudEvent(BaseModel):
    """A CloudEvent 1.0 in structured JSON, read for its envelope only (`data` is not trusted:
    the case is fetched from the ZGW API)."""

    model_config = ConfigDict(extra="allow")

    specversion: str = Field(pattern=r"^1\.0$")
    id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=1000)
    type: str = Field(min_length=1, max_length=200)
    time: AwareDatetime | None = None
    subject: str | None = Field(default=None, max_length=200)
    dataref: str | None = Field(default=None, max_length=1000)


_PROBLEM: dict[str, Any] = {"content": {PROBLEM_JSON: {}}}
EVENT_ANSWERS: dict[int | str, dict[str, Any]] = {
    202: {"description": "accepted into the durable queue, or received before (a replay)"},
    401: {"description": "no valid access token and no organisation's certificate", **_PROBLEM},
    413: {"description": "larger than 64 KiB", **_PROBLEM},
    415: {"description": "not application/cloudevents+json", **_PROBLEM},
    503: {"description": "the queue or the database is not reachable: send it again", **_PROBLEM},
    422: {
        "description": "not a CloudEvent 1.0; or `code`: unsupported-event-type, "
        "url-not-allowed (the zaak is not in the organisation's Zaken API), no-zaak",
        **_PROBLEM,
    },
}
TOKEN_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": '{"access_token", "token_type": "Bearer", "expires_in"}'},
    400: {"description": '{"error": "unsupported_grant_type" | "invalid_request"}'},
    401: {"description": '{"error": "invalid_client"}'},
}


def _problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="mijnoverheid-zgw-connector"'
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _oauth_error(status: int, error: str) -> JSONResponse:
    # RFC 6749 § 5.2: token errors are plain JSON with an `error` code.
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="mijnoverheid-zgw-connector"'
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def _basic(header: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    # RFC 6749 § 2.3.1: both are form-urlencoded before they are joined.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def create_app(credentials: Credentials, receive: Receive) -> FastAPI:
    app = FastAPI(
        title="MijnOverheid ZGW connector",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )

    def sender(request: Request) -> Organisation:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        by_token = credentials.bearer(token) if scheme.lower() == "bearer" and token else None
        pem = client_certificate(request.scope)
        by_certificate = credentials.certificate(pem) if pem is not None else None
        if by_token is None and by_certificate is None:
            raise NotAuthenticatedError("no access token and no client certificate")
        if by_token and by_certificate and by_token.oin != by_certificate.oin:
            raise NotAuthenticatedError("token and certificate name different organisations")
        found = by_token or by_certificate
        assert found is not None
        return found

    @app.post(
        "/oauth2/token",
        response_model=None,
        responses=TOKEN_ANSWERS,
        summary="OAuth2 client credentials: an access token for an Open Notificaties client",
    )
    async def token(request: Request) -> JSONResponse:
        try:
            form = await read_form(request)
        except FormError:
            return _oauth_error(400, "invalid_request")
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        given = _basic(request.headers.get("authorization")) or (
            (client_id, client_secret) if client_id and client_secret else None
        )
        if given is None:
            return _oauth_error(401, "invalid_client")
        try:
            credentials.client(*given)
        except NotAuthenticatedError:
            return _oauth_error(401, "invalid_client")
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type")
        body = {
            "access_token": credentials.issue(given[0]),
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    @app.post(
        "/api/v1/cloudevents",
        status_code=202,
        response_model=None,
        responses=EVENT_ANSWERS,
        summary="One thin CloudEvent of Open Zaak, as Open Notificaties delivers it",
    )
    async def cloudevent(request: Request) -> Response:
        try:
            organisation = sender(request)
        except NotAuthenticatedError as error:
            return _problem(401, "Unauthorized", str(error))
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in _JSON_TYPES:
            return _problem(415, "Unsupported Media Type", "send application/cloudevents+json")
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_EVENT_BYTES:
            return _problem(413, "Content Too Large", f"at most {MAX_EVENT_BYTES} bytes")
        body = await request.body()
        if len(body) > MAX_EVENT_BYTES:
            return _problem(413, "Content Too Large", f"at most {MAX_EVENT_BYTES} bytes")
        try:
            parsed = ThinCloudEvent.model_validate_json(body)
        except ValidationError as error:
            fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in error.errors()})
            return _problem(
                422, "Unprocessable Content", "not a CloudEvent 1.0", invalid_params=fields
            )
        event = ThinEvent(
            id=parsed.id,
            source=parsed.source,
            type=parsed.type,
            time=parsed.time or datetime.now(UTC),
            subject=parsed.subject,
            dataref=parsed.dataref,
        )
        try:
            outcome = await receive(organisation, event)
        except Exception as error:
            # Not accepted, so not received: Open Notificaties sends it again (any non-2xx).
            logger.warning(
                "thin event not accepted: infrastructure unavailable",
                extra={"error_type": type(error).__name__},
            )
            problem = _problem(503, "Service Unavailable", "not accepted; send it again later")
            problem.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return problem
        if isinstance(outcome, Unacceptable):
            return _problem(422, "Unprocessable Content", outcome.detail, code=outcome.code)
        return Response(status_code=202, headers={"Cache-Control": "no-store"})

    return app
