"""Composition root. The Zaken domain lands in its own issue; until then the service declares
its queues (so inbound events wait there, durable, instead of being lost) and answers health."""

from __future__ import annotations

from fastapi import FastAPI

from mijnoverheid.messaging.topology import SERVICE_QUEUES
from mijnoverheid.runtime import ServiceRuntime, create_broker, service_app
from mijnoverheid.settings import PlatformSettings

SERVICE = "zaken"


async def _no_indexes_yet(_: object) -> None:
    return None


def create_runtime(settings: PlatformSettings) -> ServiceRuntime:
    return ServiceRuntime(
        SERVICE, settings, create_broker(settings, SERVICE), SERVICE_QUEUES[SERVICE]
    )


def create_app(settings: PlatformSettings) -> FastAPI:
    return service_app(create_runtime(settings), _no_indexes_yet, title="Zaken")
