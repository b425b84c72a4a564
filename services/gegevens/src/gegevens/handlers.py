"""registration-changed and registration-removed: check, record the version, announce it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from gegevens.adapters import outbound
from gegevens.domain import model, rules
from gegevens.domain.model import VersionRef
from gegevens.ports import RegistrationStore
from mijnoverheid.contracts import events
from mijnoverheid.faults import failpoint
from mijnoverheid.messaging.publisher import EventPublisher


@dataclass(frozen=True)
class RegistrationHandler:
    """Both events alike: each is one version of a registration to record."""

    store: RegistrationStore
    publisher: EventPublisher
    known_registers: frozenset[str]
    source: str
    clock: Callable[[], datetime]

    async def __call__(self, command: model.RecordVersion) -> None:
        rules.check(command, self.known_registers)
        version = model.version_of(command, recorded_at=self.clock())
        # Per-register opt-in from the organisation registry; no e-mail by default.
        wanted = version.register_code in command.sender.notify_registers

        def announce(before: Sequence[VersionRef]) -> bool:
            # Only against what is recorded before it (the slots before its own), never a
            # separate read of the history: that races with concurrent deliveries.
            return wanted and model.announces(version.ref, before)

        # For a duplicate or a redelivery: the version recorded first, with the decision
        # taken then against the same slots before it.
        recorded = await self.store.record(version, announce)
        failpoint("gegevens.after-store")
        stored = recorded.version
        if stored.notify and not stored.notified and not recorded.concurrent:
            trigger = outbound.registration_recorded(stored, self.source)
            key = events.REGISTRATION_RECORDED.key(stored.organisation_oin)
            await self.publisher.publish(trigger, key)
            await self.store.mark_notified(stored)
