"""Headers on every answer, and the small checks that keep input from steering the portal."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

_LOCAL_PATH = re.compile(r"^/[A-Za-z0-9/_\-.]*(\?[A-Za-z0-9=&_\-.%]*)?$")


def content_security_policy(issuer: str) -> str:
    """No inline script or style anywhere; forms post to us, and logout's redirect goes to the
    IdP (browsers apply form-action to the redirect after a post)."""
    parts = urlsplit(issuer)
    idp = f"{parts.scheme}://{parts.netloc}"
    return (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        f"form-action 'self' {idp}; frame-ancestors 'none'; base-uri 'none'"
    )


def security_headers(issuer: str, secure: bool) -> Any:
    headers = {
        "Content-Security-Policy": content_security_policy(issuer),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        # Nothing of our URLs (a message id, a confirmation code) goes to another site.
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    async def middleware(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(headers)
        if not request.url.path.startswith("/static/"):
            # Every page can show personal data: never kept by a browser or proxy cache.
            response.headers["Cache-Control"] = "no-store"
        return response

    return middleware


def local_path(candidate: str | None, default: str = "/overzicht") -> str:
    """Only a path on this site (no scheme, host or `//`): no open redirect."""
    if candidate and _LOCAL_PATH.fullmatch(candidate) and not candidate.startswith("//"):
        return candidate
    return default
