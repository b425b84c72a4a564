"""The handlers wired to in-memory adapters, as one harness for the handler tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.messaging.consumer import InboundDelivery
from services.zaken.tests.memory import Gate, MemoryCaseStore, MemoryPublisher, gates

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@dataclass
class Zaken:
    store: MemoryCaseStore
    published: MemoryPublisher
    delivery: Callable[..., InboundDelivery]
    status_changed: Gate
    withdrawn: Gate
    state_requested: Gate

    async def send(self, organisation: Organisation, event: dict[str, Any]) -> None:
        handler = {
            "case-status-changed": self.status_changed,
            "case-withdrawn": self.withdrawn,
            "case-state-requested": self.state_requested,
        }[event["type"].rsplit(".", 1)[-1]]
        await handler(self.delivery(organisation, event))

    def triggers(self) -> list[Any]:
        return self.published.of_type("case-status-recorded")


@pytest.fixture
def zaken(registry: OrganisationRegistry, delivery: Callable[..., InboundDelivery]) -> Zaken:
    store, published = MemoryCaseStore(), MemoryPublisher()
    found = gates(store, published, registry, lambda: NOW)
    return Zaken(
        store, published, delivery, found.status_changed, found.withdrawn, found.state_requested
    )
