"""Composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

from dataclasses import dataclass

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.contracts.zaken import SERVICE
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Relay
from mijnoverheid.messaging.gate import RejectWith
from mijnoverheid.runtime import PlatformRuntime, Service
from zaken.adapters import mongo
from zaken.entrypoints import api
from zaken.entrypoints.subscriptions import Handlers, subscriptions
from zaken.handlers import (
    CaseStateRequestedHandler,
    CaseStatusChangedHandler,
    CaseWithdrawnHandler,
)
from zaken.ports import CaseQueries
from zaken.settings import ZakenSettings


@dataclass(frozen=True)
class ZakenApi:
    """What the HTTP routes use."""

    cases: CaseQueries
    registry: OrganisationRegistry


def compose(settings: ZakenSettings) -> Service[ZakenApi]:
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
        subscriptions=subscriptions(handlers, registry, reject, zgw_relay(settings, registry)),
        create_indexes=mongo.create_indexes,
        api=ZakenApi(cases, registry),
        routers=(api.router,),
    )


def zgw_relay(settings: ZakenSettings, registry: OrganisationRegistry) -> Relay | None:
    """The ZGW connector, trusted to publish case events for the organisations configured for
    it in the registry (and, on the broker, for no others): docs/security.md."""
    user = settings.zgw_connector_broker_user
    if user is None:
        return None
    return Relay(user, frozenset(org.oin for org in registry.zgw_organisations))
