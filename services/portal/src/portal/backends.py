"""The services' citizen APIs, called server-side with a fresh short-lived token per call.

The BSN travels only inside the signed token (never in a URL); a service's 404 means "not
yours or not there", which the portal shows as not found, never as someone else's.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx

from portal.tokens import TokenMinter

# The W3C trace context of the page being served: every service call for one page is one trace,
# so the services' processing-log records of a page view belong together (Logboek
# Dataverwerkingen asks an application to pass its trace context to the ones it calls).
_page_trace: ContextVar[str | None] = ContextVar("page_trace", default=None)


def start_page_trace() -> None:
    _page_trace.set(f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01")


class BackendError(Exception):
    def __init__(self, service: str, status: int, detail: str = "") -> None:
        super().__init__(f"{service} answered {status}")
        self.service = service
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Backend:
    name: str
    base_url: str
    http: httpx.AsyncClient
    tokens: TokenMinter

    def _headers(self, bsn: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.tokens.mint(bsn)}", "Accept": "application/json"}
        trace = _page_trace.get()
        if trace is not None:
            headers["traceparent"] = trace
        return headers

    async def call(
        self,
        method: str,
        path: str,
        bsn: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        response = await self.http.request(
            method,
            self.base_url.rstrip("/") + path,
            params={k: v for k, v in (params or {}).items() if v is not None},
            json=json,
            headers=self._headers(bsn),
        )
        if response.status_code >= 400:
            detail = ""
            if response.headers.get("content-type", "").startswith("application/problem+json"):
                detail = str(response.json().get("detail", ""))
            raise BackendError(self.name, response.status_code, detail)
        return response.json() if response.content else None

    async def get(self, path: str, bsn: str, **params: Any) -> Any:
        return await self.call("GET", path, bsn, params=params)

    async def stream(self, path: str, bsn: str) -> tuple[httpx.Response, AsyncIterator[bytes]]:
        """A download passed through without holding it in memory."""
        request = self.http.build_request(
            "GET", self.base_url.rstrip("/") + path, headers=self._headers(bsn)
        )
        response = await self.http.send(request, stream=True)
        if response.status_code >= 400:
            await response.aclose()
            raise BackendError(self.name, response.status_code)

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in response.aiter_bytes():
                    yield chunk
            finally:
                await response.aclose()

        return response, chunks()


@dataclass(frozen=True)
class Backends:
    berichtenbox: Backend
    zaken: Backend
    gegevens: Backend
    notifier: Backend
