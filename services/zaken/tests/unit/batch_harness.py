"""The batch tests' times, source and BSNs, and the case-status-changed handler with its
in-memory store and publisher."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from mijnoverheid.identity import OrganisationRegistry
from services.zaken.tests.memory import (
    Gate,
    MemoryCaseStore,
    MemoryPublisher,
    gates,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 10, tzinfo=UTC)
SOURCE = "urn:nld:oin:00000001234567890000:systeem:zaken"
BSNS = ("999993653", "111222333")

Event = dict[str, Any]


def status_handler(
    registry: OrganisationRegistry, *, ticking: bool = False
) -> tuple[Gate, MemoryCaseStore, MemoryPublisher]:
    """Ticking, the clock moves on at every reading: a redelivery's report (its recorded_at)
    then differs from the one first recorded, which shows which of them a decision took."""
    store, published = MemoryCaseStore(), MemoryPublisher()
    ticks = itertools.count()

    def clock() -> datetime:
        return NOW + timedelta(seconds=next(ticks) if ticking else 0)

    return gates(store, published, registry, clock).status_changed, store, published
