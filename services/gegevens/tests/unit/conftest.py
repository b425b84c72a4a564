"""Fakes for the handlers (no broker, no database) and the demo organisations."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from gegevens.domain import model
from gegevens.domain.model import Version, VersionRef
from gegevens.entrypoints.subscriptions import subscriptions
from gegevens.handlers import RegistrationHandler
from gegevens.ports import Decide, Listed, Recorded
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent, source_for
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.gate import RejectWith
from mijnoverheid.settings import REPOSITORY_ROOT

PLATFORM_SOURCE = source_for("00000001234567890000", "gegevens")


class FakeStore:
    """In memory, with the repository's semantics: each registration's versions in numbered
    slots, one per event, each decided against the slots before it; current derived.

    Reading the slots and inserting into one yield to the event loop, as real I/O does, so that
    handlers run concurrently on it interleave like concurrent deliveries and competing
    consumers.
    """

    def __init__(self) -> None:
        self.slots: dict[str, list[Version]] = {}

    @property
    def versions(self) -> dict[tuple[str, str], Version]:
        """Every recorded version, by its event."""
        return {
            (version.event_source, version.event_id): version
            for slots in self.slots.values()
            for version in slots
        }

    async def record(self, version: Version, announce: Decide) -> Recorded:
        await asyncio.sleep(0)  # the read
        slots = self.slots.setdefault(version.registration_id, [])
        before: list[VersionRef] = []
        for slot in itertools.count():
            if slot == len(slots):  # the first free slot, as read
                candidate = replace(version, slot=slot, notify=announce(tuple(before)))
                await asyncio.sleep(0)  # between the read and the write, as on a database
                if slot == len(slots):
                    slots.append(candidate)
                    return Recorded(candidate)
                if _same_event(slots[slot], version):  # lost the slot to the same event
                    return Recorded(slots[slot], concurrent=True)
            elif _same_event(slots[slot], version):
                return Recorded(slots[slot])  # recorded before: a redelivery
            before.append(slots[slot].ref)
        raise AssertionError("unreachable")

    async def mark_notified(self, version: Version) -> None:
        await asyncio.sleep(0)
        assert version.slot is not None
        slots = self.slots[version.registration_id]
        slots[version.slot] = replace(slots[version.slot], notified=True)

    def unconfirm(self) -> None:
        """As if no registration-recorded had been confirmed (a crash before each confirm)."""
        for slots in self.slots.values():
            slots[:] = [replace(version, notified=False) for version in slots]

    async def visible_for(self, bsn: str) -> list[Version]:
        mine = {v.version_id: v for v in self.versions.values() if v.recipient_bsn == bsn}
        return [mine[ref.version_id] for ref in model.visible(v.ref for v in mine.values())]

    async def visible(self, registration_id: str, bsn: str) -> Version | None:
        found = [v for v in await self.visible_for(bsn) if v.registration_id == registration_id]
        return found[0] if found else None

    async def listed_for(self, bsn: str) -> list[Listed]:
        return [
            Listed(
                v.registration_id,
                v.organisation_oin,
                v.register_code,
                v.registration_key,
                f"{v.registration_id}#{v.slot}",
            )
            for v in await self.visible_for(bsn)
        ]

    async def versions_of(self, listed: Sequence[Listed]) -> list[Version]:
        await asyncio.sleep(0)
        by_key = {f"{v.registration_id}#{v.slot}": v for v in self.versions.values()}
        return [by_key[each.version_key] for each in listed]


def _same_event(stored: Version, version: Version) -> bool:
    return (stored.event_source, stored.event_id) == (version.event_source, version.event_id)


class FakePublisher:
    def __init__(self) -> None:
        self.published: list[tuple[CloudEvent, str]] = []
        self.fail = False

    async def publish(self, event: CloudEvent, routing_key: str) -> None:
        if self.fail:
            raise ConnectionError("broker away")
        self.published.append((event, routing_key))

    def of(self, event: str) -> list[CloudEvent]:
        return [e for e, _ in self.published if e.type.endswith(f".{event}")]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class Service:
    """Both subscriptions' gates in front of the handler, over one fake store and publisher, as
    the composition root wires them."""

    def __init__(self, registry: OrganisationRegistry) -> None:
        self.store = FakeStore()
        self.publisher = FakePublisher()
        self.clock = Clock()
        registers = frozenset(register.code for register in registry.registers)
        handler = RegistrationHandler(
            self.store, self.publisher, registers, PLATFORM_SOURCE, self.clock
        )
        reject = RejectWith(
            events.GEGEVENS_EVENT_REJECTED, self.publisher, PLATFORM_SOURCE, self.clock
        )
        self.changed, self.removed = subscriptions(handler, registry, reject)

    async def handle(self, delivery: InboundDelivery) -> None:
        removed = delivery.routing_key.startswith(events.REGISTRATION_REMOVED.any_organisation[:-1])
        await (self.removed if removed else self.changed)(delivery)


@pytest.fixture(scope="session")
def registry() -> OrganisationRegistry:
    """The real, versioned registry (overrides the plugin's fixture of the same name)."""
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")


def _organisation(registry: OrganisationRegistry, broker_user: str) -> Organisation:
    found = registry.by_broker_user(broker_user)
    assert found is not None
    return found


@pytest.fixture
def gemeente(registry: OrganisationRegistry) -> Organisation:
    return _organisation(registry, "gemeente-voorbeeldstad")


@pytest.fixture
def rdw(registry: OrganisationRegistry) -> Organisation:
    return _organisation(registry, "rdw")


@pytest.fixture
def stichting(registry: OrganisationRegistry) -> Organisation:
    return _organisation(registry, "stichting-voorbeeld")


@pytest.fixture
def service(registry: OrganisationRegistry) -> Service:
    return Service(registry)


@pytest.fixture
def registry_organisation(registry: OrganisationRegistry) -> dict[str, Organisation]:
    return {org.broker_user: org for org in registry.organisations}
