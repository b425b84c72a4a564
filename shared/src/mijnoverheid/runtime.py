"""What every service process has: a broker, a database, and /health and /ready over HTTP."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, TypeVar

import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from faststream.rabbit import Channel, RabbitBroker
from pydantic import ValidationError
from pydantic_settings import BaseSettings
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid import logs, metrics, problems, storage, tls
from mijnoverheid.api import NeverCached, with_problem_answers
from mijnoverheid.auth import CitizenTokenVerifier
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid.contracts.routing import EventRoute
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.connection import rabbit_broker
from mijnoverheid.messaging.gate import Subscription
from mijnoverheid.messaging.publisher import RabbitEventPublisher
from mijnoverheid.messaging.subscriptions import subscribe
from mijnoverheid.messaging.topology import WorkQueue, declare_topology
from mijnoverheid.processing_log import Recorder, open_processing_log
from mijnoverheid.processing_log.http import router as processing_log_routes
from mijnoverheid.processing_log.settings import ProcessingLogSettings
from mijnoverheid.settings import PlatformSettings, ServiceSettings
from mijnoverheid.storage import Document

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
LoadedT = TypeVar("LoadedT", bound=BaseSettings)


def create_broker(settings: ServiceSettings, service: str) -> RabbitBroker:
    return rabbit_broker(
        settings.amqp_url,
        # TLS verifying the broker, and the service's certificate as its login (EXTERNAL).
        security=tls.broker_security(settings),
        app_id=service,
        graceful_timeout=settings.graceful_timeout_seconds,
        # Confirms on every publish; a returned mandatory publish raises instead of passing.
        default_channel=Channel(
            prefetch_count=settings.prefetch, publisher_confirms=True, on_return_raises=True
        ),
        logger=logging.getLogger(f"{service}.broker"),
        # FastStream's two lines per delivery ("Received", "Processed") only at debug level:
        # at every delivery they cost the consumer measurably, and `process` logs what fails.
        log_level=logging.DEBUG,
    )


Job = Callable[[], Coroutine[Any, Any, None]]
IndexSetup = Callable[[AsyncDatabase[Document]], Awaitable[None]]
ApiT = TypeVar("ApiT")


@dataclass
class ServiceRuntime:
    """The process's one broker and one database client (the client connects lazily)."""

    name: str
    settings: ServiceSettings
    broker: RabbitBroker = field(init=False)
    mongo: AsyncMongoClient[Document] = field(init=False)

    def __post_init__(self) -> None:
        self.broker = create_broker(self.settings, self.name)
        self.mongo = storage.connect(
            self.settings.mongodb_url, self.name, self.settings.mongodb_ca_file
        )

    @property
    def database(self) -> AsyncDatabase[Document]:
        return self.mongo[self.settings.mongodb_database or self.name]

    async def ready(self) -> bool:
        broker_ok = await self.broker.ping(timeout=2.0)
        return broker_ok and await storage.ping(self.database)

    @cached_property
    def processing_log(self) -> Recorder:
        """Where the service records every read of personal data (its own settings)."""
        settings = load_settings(ProcessingLogSettings)
        return open_processing_log(self.name, self.database, settings, utc_now)


@dataclass
class PlatformRuntime(ServiceRuntime):
    """The runtime of a service that answers organisations and emits events as the platform:
    the organisation registry, its confirmed publisher and its CloudEvent `source`."""

    settings: PlatformSettings
    registry: OrganisationRegistry = field(init=False)
    publisher: RabbitEventPublisher = field(init=False)
    source: str = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.registry = OrganisationRegistry.load(self.settings.organisation_registry)
        self.publisher = RabbitEventPublisher(self.broker, self.settings.broker_user)
        self.source = source_for(self.settings.platform_oin, self.name)


@dataclass(frozen=True)
class Service(Generic[ApiT]):
    """What a service's composition root builds: everything its process runs, typed.

    Building it declares the subscribers on the runtime's broker (nothing connects yet), so
    the AsyncAPI generator documents exactly what the process consumes.
    """

    title: str
    runtime: ServiceRuntime
    subscriptions: tuple[Subscription, ...]
    create_indexes: IndexSetup
    # What the HTTP routes use (the service's own typed object; see `api_of`).
    api: ApiT
    routers: tuple[APIRouter, ...] = ()
    jobs: tuple[Job, ...] = ()
    # False: the service may not configure the shared exchanges (the ZGW connector, whose
    # broker user is limited to its own queues): it declares them passively.
    declares_shared_topology: bool = True
    # Organisations' inbound events it publishes on their behalf (a relay: the ZGW connector).
    relays: tuple[EventRoute, ...] = ()

    def __post_init__(self) -> None:
        for subscription in self.subscriptions:
            subscribe(self.runtime.broker, subscription, shared=self.declares_shared_topology)

    @property
    def name(self) -> str:
        return self.runtime.name

    @property
    def queues(self) -> tuple[WorkQueue, ...]:
        return tuple(subscription.queue for subscription in self.subscriptions)

    @property
    def publishes(self) -> tuple[EventRoute, ...]:
        return events.published_by(self.name) + self.relays


def api_of(request: Request) -> Any:
    """The `Service.api` of the app serving this request (routes narrow it to their type)."""
    return request.app.state.api


def service_app(service: Service[Any]) -> FastAPI:
    """The HTTP side of a service; its lifespan connects and disconnects everything.

    Routers are the service's /api/v1 routes (citizen tokens and problem+json included); jobs
    are long-running tasks (e.g. schedulers) run while the service is up.
    """
    runtime = service.runtime
    processing_log = runtime.processing_log

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            await service.create_indexes(runtime.database)
            await processing_log.store.create_indexes()
            await runtime.broker.connect()
            await declare_topology(
                runtime.broker, service.queues, shared=service.declares_shared_topology
            )
            await runtime.broker.start()
            async with asyncio.TaskGroup() as jobs:
                tasks = [jobs.create_task(job()) for job in service.jobs]
                tasks.append(jobs.create_task(processing_log.sweep_periodically()))
                yield
                for task in tasks:
                    task.cancel()
        finally:
            await runtime.broker.stop()
            await runtime.mongo.close()
            processing_log.shutdown()  # what is still queued goes out to the collector

    app = FastAPI(
        title=service.title,
        lifespan=lifespan,
        docs_url="/api/v1/docs",
        openapi_url="/api/v1/openapi.json",
    )
    problems.install(app)
    app.add_middleware(NeverCached)
    _document_problem_answers(app)
    app.state.api = service.api
    app.state.processing_log = processing_log
    if service.routers:
        settings = runtime.settings
        app.state.citizen_tokens = CitizenTokenVerifier.from_files(
            settings.trusted_issuers(), settings.citizen_token_max_lifetime_seconds
        )
        for router in (*service.routers, processing_log_routes):
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


def _document_problem_answers(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_problem_answers(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def run(compose: Callable[[SettingsT], Service[Any]], settings_class: type[SettingsT]) -> None:
    """A service's `__main__`: settings from the environment, then serve until stopped."""
    settings = load_settings(settings_class)
    # Only a service that reads citizens' data for someone keeps a processing log.
    log_problems = (
        load_settings(ProcessingLogSettings).problems() if settings.serves_citizens else []
    )
    refuse_unsafe_production(settings, log_problems)
    service = compose(settings)
    serve(service_app(service), settings, service.name)


SETTINGS_DIR = "MIJNOVERHEID_SETTINGS_DIR"


def load_settings(settings_class: type[LoadedT]) -> LoadedT:
    """The settings from the environment and, when MIJNOVERHEID_SETTINGS_DIR names one, from
    files in that directory named after a setting (e.g. NOTIFIER_BOUNCE_SECRET), which is how
    secrets arrive without being in the environment; the environment wins. A missing or
    invalid setting exits with one line each (its name and what is wrong, never its value)."""
    directory = os.environ.get(SETTINGS_DIR)
    try:
        if directory:
            return settings_class(_secrets_dir=directory)
        return settings_class()  # the fields come from the environment
    except ValidationError as error:
        for problem in error.errors(include_input=False, include_url=False):
            name = "_".join(str(part) for part in problem["loc"]).upper()
            print(f"refusing to start: {name}: {problem['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def refuse_unsafe_production(settings: ServiceSettings, more: list[str] | None = None) -> None:
    """Exit with one clear line per setting that contradicts another or cannot be used and, in
    production, per setting that is only fit for development (`more`: another part's)."""
    problems = settings.configuration_problems() + tls.certificate_problems(settings)
    problems += more or []
    if problems:
        environment = settings.mijnoverheid_environment.value
        for problem in problems:
            print(f"refusing to start in {environment}: {problem}", file=sys.stderr)
        if not settings.development:
            print("(set MIJNOVERHEID_ENVIRONMENT=development for a local stack)", file=sys.stderr)
        raise SystemExit(2)


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
