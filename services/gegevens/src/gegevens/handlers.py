"""One handler per incoming event: accept, decide, store, emit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Generic

from gegevens.adapters import outbound
from gegevens.domain import model, rules
from gegevens.domain.model import Version
from gegevens.domain.rules import EventData
from gegevens.ports import RegistrationStore
from mijnoverheid.contracts import routing
from mijnoverheid.contracts.envelope import event_type
from mijnoverheid.contracts.gegevens import SERVICE, RegistrationChanged
from mijnoverheid.faults import failpoint
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Accepted, Refused, accept_inbound
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.publisher import EventPublisher

REGISTRATION_CHANGED_TYPE = event_type(SERVICE, "registration-changed")
REGISTRATION_REMOVED_TYPE = event_type(SERVICE, "registration-removed")


class RegistrationHandler(Generic[EventData]):
    """registration-changed and registration-removed alike: each is one version to record."""

    def __init__(
        self,
        data_model: type[EventData],
        *,
        store: RegistrationStore,
        publisher: EventPublisher,
        registry: OrganisationRegistry,
        source: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._data_model: type[EventData] = data_model
        self._type = (
            REGISTRATION_CHANGED_TYPE
            if data_model is RegistrationChanged
            else REGISTRATION_REMOVED_TYPE
        )
        self._store = store
        self._publisher = publisher
        self._registry = registry
        self._source = source
        self._clock = clock

    async def __call__(self, delivery: InboundDelivery) -> None:
        outcome = accept_inbound(delivery, self._registry, SERVICE, self._type, self._data_model)
        if isinstance(outcome, Accepted):
            outcome = rules.refusal(outcome, self._registry) or outcome
        if isinstance(outcome, Refused):
            rejected = outbound.event_rejected(outcome, self._source, self._clock())
            key = routing.GEGEVENS_EVENT_REJECTED.key(outcome.sender.oin)
            await self._publisher.publish(rejected, key)
            return
        version = await self._record(outcome)
        failpoint("gegevens.after-store")
        if version is not None and version.notify and not version.notified:
            recorded = outbound.registration_recorded(version, self._source)
            key = routing.REGISTRATION_RECORDED.key(version.organisation_oin)
            await self._publisher.publish(recorded, key)
            await self._store.mark_notified(version.version_id)

    async def _record(self, accepted: Accepted[EventData]) -> Version | None:
        """The stored version; None when a concurrent delivery of the same event stored it
        first: that one announces it (or, if it crashes, its own redelivery does)."""
        event = accepted.event
        stored = await self._store.by_event(event.source, event.id)
        if stored is not None:
            return stored  # a duplicate or a redelivery: decided before
        version = model.version_of(
            event_source=event.source,
            event_id=event.id,
            organisation_oin=accepted.sender.oin,
            data=accepted.data,
            recorded_at=self._clock(),
        )
        # Per-register opt-in from the organisation registry; no e-mail by default.
        wanted = version.register_code in accepted.sender.notify_registers
        history = await self._store.history(version.registration_id)
        notify = wanted and model.announces(version.ref, history)
        version = replace(version, notify=notify)
        return version if await self._store.add(version) else None
