"""The HTTP side of the test ZGW API: the read operations the ZGW connector uses, as the VNG
OpenAPI documents specify them.

- Authentication (JWT-ZGW): `Authorization: Bearer <JWT>`, HS256 with the client's secret, the
  claims `client_id` (or `iss`) and `iat`; missing or wrong: 401, an unknown client: 403.
- Zaken API 1.5 (`/zaken/api/v1`): `GET /zaken/{uuid}` (requires `Accept-Crs: EPSG:4326`,
  else 412; answers `Content-Crs`), `GET /statussen?zaak=`, `GET /statussen/{uuid}`,
  `GET /rollen?zaak=&omschrijvingGeneriek=&betrokkeneType=`, `GET /rollen/{uuid}`.
- Catalogi API 1.3 (`/catalogi/api/v1`): `GET /zaaktypen/{uuid}`, `GET /statustypen/{uuid}`.
- Lists are paged as the APIs page them: `{count, next, previous, results}`, `page` from 1.
- Errors are `application/problem+json` in the APIs' `Fout` shape.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from mijnoverheid_testing.zgw.data import Resource, ZgwData

CRS = "EPSG:4326"
JWT_MAX_AGE_SECONDS = 3600
JWT_LEEWAY_SECONDS = 60


class FoutError(Exception):
    def __init__(self, status: int, code: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.title, self.detail = status, code, title, detail


@dataclass
class ZgwApi:
    """The state behind the routes: the data, the clients (id -> secret) it trusts, a page
    size, and every request it answered (method, path with query, client id)."""

    data: ZgwData
    clients: dict[str, str]
    page_size: int = 100
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    # A hook a test may set: answer this status to every request (an outage), None: serve.
    outage: int | None = None

    def authenticate(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise FoutError(401, "not_authenticated", "Niet geauthenticeerd", "geen JWT")
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            client = str(unverified.get("client_id") or unverified.get("iss") or "")
            secret = self.clients.get(client)
            if secret is None:
                raise FoutError(403, "permission_denied", "Geen rechten", "onbekende client")
            claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["iat"]})
        except jwt.PyJWTError as error:
            raise FoutError(
                401, "not_authenticated", "Niet geauthenticeerd", "JWT ongeldig"
            ) from error
        issued = float(claims["iat"])
        if not time.time() - JWT_MAX_AGE_SECONDS <= issued <= time.time() + JWT_LEEWAY_SECONDS:
            raise FoutError(401, "not_authenticated", "Niet geauthenticeerd", "JWT verlopen")
        return client


def _fout(request: Request, error: FoutError) -> JSONResponse:
    body = {
        "type": f"https://vng.nl/zgw/fouten/{error.code}",
        "code": error.code,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "instance": f"urn:uuid:{id(request):032x}",
    }
    return JSONResponse(body, status_code=error.status, media_type="application/problem+json")


def _found(table: dict[str, Resource], key: str) -> Resource:
    resource = table.get(key)
    if resource is None:
        raise FoutError(404, "not_found", "Niet gevonden", "Niet gevonden.")
    return resource


def create_app(api: ZgwApi) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    data = api.data

    @app.exception_handler(FoutError)
    async def fout(request: Request, error: FoutError) -> JSONResponse:
        return _fout(request, error)

    @app.middleware("http")
    async def guarded(request: Request, call_next: Callable[[Request], Any]) -> Any:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        try:
            client = api.authenticate(request)
        except FoutError as error:
            api.requests.append((request.method, path, None))
            return _fout(request, error)
        api.requests.append((request.method, path, client))
        if api.outage is not None:
            return _fout(request, FoutError(api.outage, "error", "Storing", "tijdelijk niet"))
        return await call_next(request)

    def paged(request: Request, items: list[Resource]) -> dict[str, Any]:
        page = int(request.query_params.get("page", "1"))
        size = min(int(request.query_params.get("pageSize", api.page_size)), api.page_size)
        start = (page - 1) * size
        if page < 1 or (start >= len(items) and page != 1):
            raise FoutError(404, "not_found", "Niet gevonden", "Ongeldige pagina.")

        def link(number: int) -> str:
            return str(request.url.include_query_params(page=number))

        return {
            "count": len(items),
            "next": link(page + 1) if start + size < len(items) else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": items[start : start + size],
        }

    @app.get("/zaken/api/v1/zaken/{key}")
    async def zaak(key: str, request: Request) -> JSONResponse:
        if request.headers.get("accept-crs") is None:
            raise FoutError(
                412, "precondition_failed", "Precondition failed", "Accept-Crs ontbreekt"
            )
        if request.headers["accept-crs"] != CRS:
            raise FoutError(406, "not_acceptable", "Not acceptable", "CRS niet ondersteund")
        return JSONResponse(_found(data.zaken, key), headers={"Content-Crs": CRS})

    @app.get("/zaken/api/v1/statussen")
    async def statussen(request: Request) -> dict[str, Any]:
        zaak_url = request.query_params.get("zaak")
        with data.lock:
            found = [s for s in data.statussen.values() if zaak_url in (None, s["zaak"])]
        found.sort(key=lambda s: s["datumStatusGezet"], reverse=True)
        return paged(request, found)

    @app.get("/zaken/api/v1/statussen/{key}")
    async def status(key: str) -> Resource:
        return _found(data.statussen, key)

    @app.get("/zaken/api/v1/rollen")
    async def rollen(request: Request) -> dict[str, Any]:
        query = request.query_params
        wanted = {
            name: query[name]
            for name in ("zaak", "omschrijvingGeneriek", "betrokkeneType")
            if name in query
        }
        with data.lock:
            found = [
                rol
                for rol in data.rollen.values()
                if all(rol[name] == value for name, value in wanted.items())
            ]
        return paged(request, found)

    @app.get("/zaken/api/v1/rollen/{key}")
    async def rol(key: str) -> Resource:
        return _found(data.rollen, key)

    @app.get("/catalogi/api/v1/zaaktypen/{key}")
    async def zaaktype(key: str) -> Resource:
        return _found(data.zaaktypen, key)

    @app.get("/catalogi/api/v1/statustypen/{key}")
    async def statustype(key: str) -> Resource:
        return _found(data.statustypen, key)

    return app
