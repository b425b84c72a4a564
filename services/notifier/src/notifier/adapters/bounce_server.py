"""The inbound SMTP endpoint for the return-path domain (aiosmtpd), in the service's own event
loop so that its handler can use the service's database client and broker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiosmtpd.smtp import SMTP

from mijnoverheid.messaging.consumer import INFRASTRUCTURE_ERRORS
from notifier.adapters.smtp import BOUNCE_LOCAL_PART

logger = logging.getLogger(__name__)

OnReport = Callable[[list[str], bytes], Awaitable[str]]
MAX_REPORT_BYTES = 1024 * 1024
LATER = "451 4.3.0 Temporary failure, try again later"


class _Endpoint:
    def __init__(self, domain: str, on_report: OnReport) -> None:
        self._domain = domain.lower()
        self._on_report = on_report

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        local, _, domain = address.rpartition("@")
        ours = local == BOUNCE_LOCAL_PART or local.startswith(BOUNCE_LOCAL_PART + "+")
        if domain.lower() != self._domain or not ours:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        try:
            return await self._on_report(list(envelope.rcpt_tos), raw)
        except INFRASTRUCTURE_ERRORS as error:
            # The database or the broker is away, or a full queue pushes back: expected, and
            # the relay sends the report again later.
            logger.warning(
                "infrastructure unavailable, report deferred",
                extra={"error_type": type(error).__name__},
            )
        except Exception as error:
            logger.error("could not process a report", extra={"error_type": type(error).__name__})
        return LATER


def bounce_server(
    host: str, port: int, domain: str, on_report: OnReport
) -> Callable[[], Coroutine[Any, Any, None]]:
    """A background job: serve until cancelled."""

    async def serve() -> None:
        endpoint = _Endpoint(domain, on_report)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(endpoint, data_size_limit=MAX_REPORT_BYTES, hostname=domain), host, port
        )
        logger.info("bounce endpoint listening", extra={"port": port})
        try:
            await asyncio.Event().wait()
        finally:
            server.close()
            await server.wait_closed()

    return serve
