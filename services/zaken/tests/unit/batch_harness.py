"""The batch and property tests' times, source, BSNs and status events from a spec, and the
case-status-changed handler with its in-memory store and publisher."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from mijnoverheid.identity import Organisation, OrganisationRegistry
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
# (identificatie, bsn, code, day it took effect, closes, hour it was sent)
Spec = tuple[str, str, str, int, bool, int]


def events_of(
    spec: Sequence[Spec], gemeente: Organisation, status_event: Callable[..., Event]
) -> list[Event]:
    """The status events a spec describes, numbered e0, e1, ... in its order."""
    events = []
    for number, (identificatie, bsn, code, day, closes, hour) in enumerate(spec):
        at = T0 + timedelta(days=day)
        event = status_event(
            gemeente, bsn, identificatie, code=code, at=at, closes=closes, event_id=f"e{number}"
        )
        event["time"] = (T0 + timedelta(hours=hour)).isoformat()
        events.append(event)
    return events


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
