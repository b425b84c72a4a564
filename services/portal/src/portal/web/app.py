"""The portal's composition root: settings → keys, database, IdP client, service clients →
routes. The lifespan connects and disconnects everything, and runs the background jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.runtime import PlatformRuntime
from portal import keys
from portal.accounts import Accounts
from portal.backends import Backend, Backends
from portal.oidc import OidcClient
from portal.outbox import Outbox, OutboxRelay
from portal.sessions import SessionPolicy, SessionStore
from portal.settings import PortalSettings
from portal.tokens import TokenMinter
from portal.web import berichtenbox, login, pages, preferences
from portal.web.context import LoginRequiredError, Portal, RefusedError
from portal.web.render import PACKAGE, Renderer
from portal.web.security import security_headers

log = logging.getLogger("portal")
SERVICE = "portal"
NLDS_FILES = {
    "nlds.css": Path("@rijkshuisstijl-community/components-css/dist/index.css"),
    "tokens.css": Path("@rijkshuisstijl-community/design-tokens/dist/index.css"),
}


def create_app(settings: PortalSettings) -> FastAPI:
    development = settings.development
    client_key = keys.oidc_client_key(settings.client_key_path, generate=development)
    signing_key = keys.token_signing_key(settings.token_key_path, generate=development)
    minter = TokenMinter(
        signing_key, settings.portal_token_issuer, settings.portal_token_lifetime_seconds
    )
    runtime = PlatformRuntime(SERVICE, settings)
    database = runtime.database
    http = httpx.AsyncClient(timeout=10.0)
    outbox = Outbox(
        database.outbox, runtime.publisher, runtime.source, settings.platform_oin, utc_now
    )
    accounts = Accounts(database, outbox.deliver)
    policy = SessionPolicy(
        idle=_seconds(settings.session_idle_seconds),
        absolute=_seconds(settings.session_absolute_seconds),
    )
    sessions = SessionStore(database.sessions, policy)
    relay = OutboxRelay(outbox, accounts)

    def backend(name: str, url: str) -> Backend:
        return Backend(name, url, http, minter)

    portal = Portal(
        settings=settings,
        sessions=sessions,
        accounts=accounts,
        oidc=OidcClient(
            settings.oidc_issuer,
            settings.oidc_client_id,
            client_key,
            settings.base_url + "/inloggen/terug",
            http,
            settings.oidc_backchannel_url,
        ),
        backends=Backends(
            berichtenbox=backend("berichtenbox", settings.berichtenbox_url),
            zaken=backend("zaken", settings.zaken_url),
            gegevens=backend("gegevens", settings.gegevens_url),
            notifier=backend("notifier", settings.notifier_url),
        ),
        registry=runtime.registry,
        renderer=Renderer({"development": development}),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await sessions.ensure_indexes()
        await accounts.ensure_indexes()
        await runtime.broker.connect()
        jobs = [asyncio.create_task(relay.run_forever()), asyncio.create_task(_sweep(sessions))]
        try:
            yield
        finally:
            for job in jobs:
                job.cancel()
            await http.aclose()
            await runtime.broker.stop()
            await runtime.mongo.close()

    app = FastAPI(
        title="MijnOverheid", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.portal = portal
    app.middleware("http")(security_headers(settings.oidc_issuer, settings.session_cookie_secure))

    @app.exception_handler(LoginRequiredError)
    async def to_login(request: Request, error: LoginRequiredError) -> Response:
        return RedirectResponse(f"/inloggen?terug={quote(error.next_path, safe='/')}", 303)

    @app.exception_handler(RefusedError)
    async def refused(request: Request, error: RefusedError) -> Response:
        log.warning("state change refused", extra={"reason": str(error)})
        return portal.renderer.page(request, "problem.html", 403, reason="refused", values={})

    @app.get("/static/{name}")
    async def static(name: str) -> Response:
        if name in NLDS_FILES:
            return FileResponse(settings.assets_dir / NLDS_FILES[name], media_type="text/css")
        if name == "portal.css":
            return FileResponse(PACKAGE / "static" / "portal.css", media_type="text/css")
        return Response(status_code=404)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", include_in_schema=False)
    async def ready() -> Response:
        ok = await runtime.ready()
        return Response(
            '{"status": "ok"}' if ok else '{"status": "unavailable"}',
            200 if ok else 503,
            media_type="application/json",
        )

    app.include_router(login.router)
    app.include_router(pages.router)
    app.include_router(berichtenbox.router)
    app.include_router(preferences.router)
    return app


def _seconds(value: int) -> timedelta:
    return timedelta(seconds=value)


async def _sweep(sessions: SessionStore) -> None:
    while True:
        try:
            await sessions.sweep(utc_now())
        except Exception:
            log.exception("session sweep failed")
        await asyncio.sleep(60)
