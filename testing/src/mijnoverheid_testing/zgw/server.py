"""Running the test ZGW API: over HTTPS (a server certificate of the test CA) in a thread of its
own, so it answers while a test waits, or as a process for `make run` (`__main__`)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from mijnoverheid_testing.smtp import free_port
from mijnoverheid_testing.zgw.api import ZgwApi, create_app
from mijnoverheid_testing.zgw.data import ZgwData


def uvicorn_config(api: ZgwApi, port: int, certificate: Path, key: Path) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(api),
        host="127.0.0.1",
        port=port,
        ssl_certfile=str(certificate),
        ssl_keyfile=str(key),
        log_config=None,
        access_log=False,
    )


@contextlib.contextmanager
def running_zgw_api(
    clients: dict[str, str], certificate: Path, key: Path, *, page_size: int = 100
) -> Iterator[ZgwApi]:
    """A ZGW API on https://localhost:<free port>/ (the name in the test CA's server
    certificates), trusting `clients` (client id -> JWT secret)."""
    port = free_port("127.0.0.1")
    api = ZgwApi(ZgwData(f"https://localhost:{port}/"), clients, page_size)
    server = uvicorn.Server(uvicorn_config(api, port, certificate, key))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test ZGW API did not start")
        time.sleep(0.02)
    try:
        yield api
    finally:
        server.should_exit = True
        thread.join(timeout=10)
