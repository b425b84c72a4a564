"""The public HTTPS listener for Open Notificaties: its own port and TLS configuration, beside
the service's internal HTTP port (/health, /ready, /metrics).

With a client CA, the TLS handshake asks for a client certificate and verifies it against that
CA (a connection without one is allowed: OAuth2 then has to identify the sender). uvicorn does
not hand the verified certificate to the application, so each connection's application gets it
in the ASGI TLS extension (`scope["extensions"]["tls"]["client_cert_chain"]`, PEM), taken from
the handshake itself, never from a header a proxy or client could set.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol


def _with_client_certificate(app: ASGIApp, pem: str) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            extensions = dict(scope.get("extensions") or {})
            extensions["tls"] = {"client_cert_chain": [pem]}
            scope = {**scope, "extensions": extensions}
        await app(scope, receive, send)

    return wrapped


class ClientCertificateProtocol(H11Protocol):
    """HTTP/1.1 whose connection's application knows the verified client certificate."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if der:
            pem = x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM).decode()
            self.app = _with_client_certificate(self.app, pem)


def client_certificate(scope: Scope) -> str | None:
    chain = ((scope.get("extensions") or {}).get("tls") or {}).get("client_cert_chain") or []
    return str(chain[0]) if chain else None


def listener_config(
    app: Any,
    host: str,
    port: int,
    cert_file: Path | None,
    key_file: Path | None,
    client_ca_file: Path | None,
) -> uvicorn.Config:
    tls: dict[str, Any] = {}
    if cert_file is not None:
        tls = {
            "ssl_certfile": str(cert_file),
            "ssl_keyfile": str(key_file),
            "ssl_context_factory": _at_least_tls_1_2,
        }
        if client_ca_file is not None:
            tls |= {"ssl_ca_certs": str(client_ca_file), "ssl_cert_reqs": ssl.CERT_OPTIONAL}
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=ClientCertificateProtocol,
        log_config=None,
        access_log=False,
        **tls,
    )


def _at_least_tls_1_2(_: uvicorn.Config, default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    context = default()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


async def serve(config: uvicorn.Config) -> None:
    """Run until cancelled (a job of the service), then close gracefully. Signals are the
    service's own server's to handle: it cancels its jobs when it stops."""
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    running = asyncio.ensure_future(server.serve())
    try:
        await asyncio.shield(running)
    except asyncio.CancelledError:
        server.should_exit = True
        await running
        raise
