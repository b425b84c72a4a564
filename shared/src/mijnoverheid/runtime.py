"""What every service process has: a broker, a database, and /health and /ready over HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from faststream.rabbit import Channel, RabbitBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid import logs, metrics, problems, storage
from mijnoverheid.auth import CitizenTokenVerifier
from mijnoverheid.messaging.topology import WorkQueue, declare_topology
from mijnoverheid.settings import ServiceSettings
from mijnoverheid.storage import Document


def create_broker(settings: ServiceSettings, service: str) -> RabbitBroker:
    return RabbitBroker(
        settings.amqp_url,
        app_id=service,
        graceful_timeout=settings.graceful_timeout_seconds,
        # Confirms on every publish; a returned mandatory publish raises instead of passing.
        default_channel=Channel(
            prefetch_count=settings.prefetch, publisher_confirms=True, on_return_raises=True
        ),
        logger=logging.getLogger(f"{service}.broker"),
    )


@dataclass
class ServiceRuntime:
    """The process's one broker and one database client (the client connects lazily)."""

    name: str
    settings: ServiceSettings
    broker: RabbitBroker
    queues: tuple[WorkQueue, ...]
    mongo: AsyncMongoClient[Document] = field(init=False)
    # Adapters the composition root hands on to the HTTP side.
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.mongo = storage.connect(self.settings.mongodb_url, self.name)

    @property
    def database(self) -> AsyncDatabase[Document]:
        return self.mongo[self.settings.mongodb_database or self.name]

    async def ready(self) -> bool:
        broker_ok = await self.broker.ping(timeout=2.0)
        return broker_ok and await storage.ping(self.database)


def service_app(
    runtime: ServiceRuntime,
    on_startup: Callable[[AsyncDatabase[Document]], Awaitable[None]],
    title: str,
    routers: Sequence[APIRouter] = (),
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
) -> FastAPI:
    """The HTTP side of a service; its lifespan connects and disconnects everything.

    `routers` are the service's /api/v1 routes (citizen tokens and problem+json included);
    `background` are long-running jobs (e.g. schedulers) run while the service is up.
    """

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            await on_startup(runtime.database)
            await runtime.broker.connect()
            await declare_topology(runtime.broker, runtime.queues)
            await runtime.broker.start()
            async with asyncio.TaskGroup() as jobs:
                tasks = [jobs.create_task(job()) for job in background]
                yield
                for task in tasks:
                    task.cancel()
        finally:
            await runtime.broker.stop()
            await runtime.mongo.close()

    app = FastAPI(
        title=title,
        lifespan=lifespan,
        docs_url="/api/v1/docs",
        openapi_url="/api/v1/openapi.json",
    )
    problems.install(app)
    if routers:
        app.state.citizen_tokens = CitizenTokenVerifier.from_file(
            runtime.settings.citizen_token_public_keys
        )
        for router in routers:
            app.include_router(router)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        ok = await runtime.ready()
        return JSONResponse({"status": "ok" if ok else "unavailable"}, 200 if ok else 503)

    return app


def serve(app: FastAPI, settings: ServiceSettings, service: str) -> None:
    logs.configure(settings.log_level, service)
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.graceful_timeout_seconds),
    )
    asyncio.run(uvicorn.Server(config).serve())
