"""A processing log in memory, for fast unit tests of handlers that record their reads, and
an organisation's query over the broker, for the tests that read the records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid.contracts.routing import EventRoute
from mijnoverheid.processing_log.activities import Action
from mijnoverheid.processing_log.model import Caller, Party, PartyGroup, ProcessingRecord
from mijnoverheid_testing.organisation import OrganisationClient


@dataclass(frozen=True)
class Read:
    action: Action
    bsns: tuple[str, ...]
    party: Party
    caller: Caller
    failed: bool


@dataclass
class ReadsInMemory:
    register: str = "urn:nld:test:verwerkingsactiviteit:"
    reads: list[Read] = field(default_factory=list)

    async def record(
        self,
        action: Action,
        subjects: Sequence[str],
        party: Party,
        caller: Caller,
        *,
        started_at: datetime | None = None,
        failed: bool = False,
    ) -> None:
        self.reads.append(Read(action, tuple(subjects), party, caller, failed))

    async def page(
        self, bsn: str, group: PartyGroup, skip: int, limit: int
    ) -> tuple[list[ProcessingRecord], int]:
        return [], 0


async def ask(
    client: OrganisationClient,
    route: EventRoute,
    data: dict[str, Any],
    answered: str,
    **extensions: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An organisation's query over the broker (with CloudEvents extension attributes, e.g.
    `traceparent`), and the answer that names it."""
    request = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source_for(client.organisation.oin, "zaaksysteem"),
        "type": route.type,
        "time": utc_now().isoformat(),
        "data": data,
        **extensions,
    }
    await client.publish(request, routing_key=route.key(client.organisation.oin))

    def answers(event: dict[str, Any]) -> bool:
        named = (event["data"].get("request_id"), event["data"].get("requested_event_id"))
        return request["id"] in named

    return request, await client.next_event(answered, answers)
