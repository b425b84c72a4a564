"""Composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

from dataclasses import dataclass

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.contracts.zaken import SERVICE
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.gate import RejectWith
from mijnoverheid.runtime import PlatformRuntime, Service
from mijnoverheid.settings import PlatformSettings
from zaken.adapters import mongo
from zaken.entrypoints import api
from zaken.entrypoints.subscriptions import Handlers, subscriptions
from zaken.handlers import (
    CaseStateRequestedHandler,
    CaseStatusChangedHandler,
    CaseWithdrawnHandler,
)
from zaken.ports import CaseQueries


@dataclass(frozen=True)
class ZakenApi:
    """What the HTTP routes use."""

    cases: CaseQueries
    registry: OrganisationRegistry


def compose(settings: PlatformSettings) -> Service[ZakenApi]:
    runtime = PlatformRuntime(SERVICE, settings)
    registry, publisher, source = runtime.registry, runtime.publisher, runtime.source
    cases = mongo.CaseRepository(runtime.database)
    handlers = Handlers(
        status_changed=CaseStatusChangedHandler(cases, publisher, source, utc_now),
        withdrawn=CaseWithdrawnHandler(cases, utc_now),
        state_requested=CaseStateRequestedHandler(
            cases, publisher, source, utc_now, runtime.processing_log
        ),
    )
    reject = RejectWith(events.ZAKEN_EVENT_REJECTED, publisher, source, utc_now)
    return Service(
        title="Lopende Zaken",
        runtime=runtime,
        subscriptions=subscriptions(handlers, registry, reject),
        create_indexes=mongo.create_indexes,
        api=ZakenApi(cases, registry),
        routers=(api.router,),
    )
