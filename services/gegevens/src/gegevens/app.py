"""Composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

from dataclasses import dataclass

from gegevens.adapters import mongo
from gegevens.entrypoints import api
from gegevens.entrypoints.subscriptions import subscriptions
from gegevens.handlers import RegistrationHandler
from gegevens.ports import RegistrationQueries
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.contracts.gegevens import SERVICE
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.gate import RejectWith
from mijnoverheid.runtime import PlatformRuntime, Service
from mijnoverheid.settings import PlatformSettings


@dataclass(frozen=True)
class GegevensApi:
    """What the HTTP routes use."""

    registrations: RegistrationQueries
    registry: OrganisationRegistry


def compose(settings: PlatformSettings) -> Service[GegevensApi]:
    runtime = PlatformRuntime(SERVICE, settings)
    registry, publisher, source = runtime.registry, runtime.publisher, runtime.source
    repository = mongo.RegistrationRepository(runtime.database)
    registers = frozenset(register.code for register in registry.registers)
    record = RegistrationHandler(repository, publisher, registers, source, utc_now)
    reject = RejectWith(events.GEGEVENS_EVENT_REJECTED, publisher, source, utc_now)
    return Service(
        title="Gegevens",
        runtime=runtime,
        subscriptions=subscriptions(record, registry, reject),
        create_indexes=mongo.create_indexes,
        api=GegevensApi(repository, registry),
        routers=(api.router,),
    )
