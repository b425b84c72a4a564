"""One handler per incoming event: accept, decide, store, emit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic

from gegevens.adapters import outbound
from gegevens.domain import model, rules
from gegevens.domain.model import VersionRef
from gegevens.domain.rules import EventData
from gegevens.ports import Recorded, RegistrationStore
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
        recorded = await self._record(outcome)
        failpoint("gegevens.after-store")
        version = recorded.version
        if version.notify and not version.notified and not recorded.concurrent:
            trigger = outbound.registration_recorded(version, self._source)
            key = routing.REGISTRATION_RECORDED.key(version.organisation_oin)
            await self._publisher.publish(trigger, key)
            await self._store.mark_notified(version)

    async def _record(self, accepted: Accepted[EventData]) -> Recorded:
        """The version as stored, with its decision: for a duplicate or a redelivery, the one
        recorded first (decided then, against the same slots before it)."""
        event = accepted.event
        version = model.version_of(
            event_source=event.source,
            event_id=event.id,
            organisation_oin=accepted.sender.oin,
            data=accepted.data,
            recorded_at=self._clock(),
        )
        # Per-register opt-in from the organisation registry; no e-mail by default.
        wanted = version.register_code in accepted.sender.notify_registers

        def announce(before: Sequence[VersionRef]) -> bool:
            # Only against what is recorded before it (the slots before its own), never a
            # separate read of the history: that races with concurrent deliveries.
            return wanted and model.announces(version.ref, before)

        return await self._store.record(version, announce)
