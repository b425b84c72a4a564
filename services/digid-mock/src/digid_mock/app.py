"""The DigiD mock over HTTP: discovery, JWKS, the login page, token and end-session endpoints."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from authlib.oidc.discovery import OpenIDProviderMetadata
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from digid_mock.clients import Clients
from digid_mock.persons import TestPerson, TestPersons
from digid_mock.protocol import (
    ASSERTION_ALGORITHMS,
    ID_TOKEN_ALGORITHM,
    AuthorizationRequest,
    ProtocolError,
    Provider,
    UnknownClientError,
)
from digid_mock.settings import MockSettings
from mijnoverheid.assurance import Level, level_of
from mijnoverheid.forms import FormError, read_form
from mijnoverheid.identity import is_valid_bsn

HERE = Path(__file__).resolve().parent
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def discovery(issuer: str) -> dict[str, Any]:
    metadata = OpenIDProviderMetadata(
        issuer=issuer,
        authorization_endpoint=f"{issuer}/authorize",
        token_endpoint=f"{issuer}/token",
        jwks_uri=f"{issuer}/jwks",
        end_session_endpoint=f"{issuer}/end-session",
        response_types_supported=["code"],
        grant_types_supported=["authorization_code"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=[ID_TOKEN_ALGORITHM],
        token_endpoint_auth_methods_supported=["private_key_jwt"],
        token_endpoint_auth_signing_alg_values_supported=ASSERTION_ALGORITHMS,
        code_challenge_methods_supported=["S256"],
        scopes_supported=["openid"],
        acr_values_supported=[level.value for level in tuple(Level)],
        claims_supported=["sub", "acr", "nonce", "auth_time", "name", "birthdate"],
    )
    metadata.validate()  # Authlib checks it against OIDC Discovery 1.0
    return dict(metadata)


def content_security_policy(clients: Clients) -> str:
    """Strict, but the login form redirects to the clients: browsers apply form-action to that."""
    origins = sorted({_origin(uri) for client in clients.clients for uri in client.redirect_uris})
    return (
        "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'; "
        f"form-action 'self' {' '.join(origins)}"
    )


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    body = _templates.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status)


def create_app(settings: MockSettings) -> FastAPI:
    settings.require_development()
    persons = TestPersons.load(settings.persons_file)
    provider = Provider(
        issuer=settings.issuer_url,
        clients=Clients.load(settings.clients_file),
        code_lifetime=settings.code_lifetime_seconds,
        token_lifetime=settings.token_lifetime_seconds,
    )
    metadata = discovery(provider.issuer)
    app_headers = {**HEADERS, "Content-Security-Policy": content_security_policy(provider.clients)}
    app = FastAPI(title="DigiD mock (development only)", docs_url=None, redoc_url=None)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        if response.media_type == "text/html":
            response.headers.update(app_headers)
        return response

    @app.get("/.well-known/openid-configuration")
    async def openid_configuration() -> JSONResponse:
        return JSONResponse(metadata)

    @app.get("/jwks")
    async def jwks() -> JSONResponse:
        return JSONResponse(provider.jwks())

    @app.get("/authorize")
    async def authorize(request: Request) -> Response:
        query = dict(request.query_params)
        try:
            found = provider.authorization_request(query)
        except UnknownClientError as error:
            return page("error.html", 400, message=error.description)
        except ProtocolError as error:
            return _back_with_error(query, error)
        return _login_page(found, provider.park(found), persons)

    @app.post("/authorize")
    async def authorized(request: Request) -> Response:
        try:
            form = await read_form(request)
        except FormError as error:
            return page("error.html", 400, message=str(error))
        pending = provider.take_pending(form.get("transaction", ""))
        if pending is None:
            return page("error.html", 400, message="Deze inlogpoging is verlopen of gebruikt.")
        if "cancel" in form:
            return _redirect(pending, error="access_denied", error_description="cancelled")
        level = level_of(form.get("acr", ""))
        person, problem = _chosen_person(form, persons)
        if level is None or person is None:
            transaction = provider.park(pending)
            return _login_page(pending, transaction, persons, problem or "Kies een niveau.", 400)
        return _redirect(pending, code=provider.issue_code(pending, person, level))

    @app.post("/token")
    async def token(request: Request) -> JSONResponse:
        try:
            answer = provider.exchange(await read_form(request))
        except FormError as error:
            return _token_error(ProtocolError("invalid_request", str(error)))
        except ProtocolError as error:
            return _token_error(error)
        return JSONResponse(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    @app.get("/end-session")
    async def end_session(request: Request) -> Response:
        query = dict(request.query_params)
        target = query.get("post_logout_redirect_uri")
        client = provider.clients.get(query.get("client_id", ""))
        if target and client is not None and target in client.post_logout_redirect_uris:
            state = query.get("state")
            suffix = "?" + urlencode({"state": state}) if state else ""
            return RedirectResponse(target + suffix, status_code=303)
        return page("logged_out.html")

    @app.get("/static/mock.css")
    async def stylesheet() -> FileResponse:
        return FileResponse(HERE / "static" / "mock.css", media_type="text/css")

    @app.get("/health", include_in_schema=False)
    @app.get("/ready", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _chosen_person(form: dict[str, str], persons: TestPersons) -> tuple[TestPerson | None, str]:
    typed = form.get("bsn", "").strip()
    if not typed:
        chosen = persons.by_bsn(form.get("person", ""))
        return chosen, "" if chosen else "Kies een testpersoon of vul een BSN in."
    if not is_valid_bsn(typed):
        return None, "Dat BSN is niet geldig (9 cijfers die de elfproef doorstaan)."
    known = persons.by_bsn(typed)
    if known is not None:
        return known, ""
    try:
        birthdate = date.fromisoformat(form.get("birthdate", ""))
    except ValueError:
        return None, "Vul bij een eigen BSN een geboortedatum in (JJJJ-MM-DD)."
    return TestPerson(bsn=typed, name="Testpersoon", birthdate=birthdate), ""


def _login_page(
    request: AuthorizationRequest,
    transaction: str,
    persons: TestPersons,
    problem: str = "",
    status: int = 200,
) -> HTMLResponse:
    chosen = request.requested_level or Level.MIDDEN
    return page(
        "login.html",
        status,
        persons=persons.persons,
        levels=tuple(Level),
        chosen_level=chosen,
        transaction=transaction,
        client_id=request.client.client_id,
        problem=problem,
    )


def _redirect(request: AuthorizationRequest, **parameters: str) -> RedirectResponse:
    query = urlencode({**parameters, "state": request.state})
    return RedirectResponse(f"{request.redirect_uri}?{query}", status_code=303)


def _back_with_error(query: dict[str, str], error: ProtocolError) -> Response:
    parameters = {"error": error.error, "error_description": error.description}
    if query.get("state"):
        parameters["state"] = query["state"]
    return RedirectResponse(f"{query['redirect_uri']}?{urlencode(parameters)}", status_code=303)


def _token_error(error: ProtocolError) -> JSONResponse:
    return JSONResponse(
        {"error": error.error, "error_description": error.description},
        status_code=error.status,
        headers={"Cache-Control": "no-store"},
    )
