"""A processing log in memory, for fast unit tests of handlers that record their reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from mijnoverheid.processing_log.activities import Action
from mijnoverheid.processing_log.model import Caller, Party, PartyGroup, ProcessingRecord


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
