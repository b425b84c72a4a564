"""In-memory fakes of the Berichtenbox's ports, shared by its unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from berichtenbox.domain.eligibility import ConsentChange
from berichtenbox.domain.trail import TrailEntry, next_entry
from berichtenbox.ports import Record
from mijnoverheid.contracts.envelope import CloudEvent

EVER = datetime(2020, 1, 1, tzinfo=UTC)


class InMemoryTrail:
    """Honours ports.Trail: a hash chain per message, each cause at most once."""

    def __init__(self) -> None:
        self.chains: dict[str, list[TrailEntry]] = {}

    async def entries(self, message_id: str) -> list[TrailEntry]:
        return list(self.chains.get(message_id, []))

    async def begun(self, message_id: str) -> bool:
        return bool(self.chains.get(message_id))

    async def has(self, message_id: str, cause: str) -> bool:
        return any(entry.cause == cause for entry in self.chains.get(message_id, []))

    async def append(self, message_id: str, record: Record) -> None:
        await self.append_all(message_id, [record])

    async def start(self, message_id: str, records: list[Record]) -> None:
        await self.append_all(message_id, records)

    async def append_all(self, message_id: str, records: list[Record]) -> None:
        chain = self.chains.setdefault(message_id, [])
        for record in records:
            if any(entry.cause == record.cause for entry in chain):
                continue
            head = chain[-1] if chain else None
            chain.append(
                next_entry(head, message_id, record.kind, record.at, record.cause, record.details)
            )

    def causes(self, message_id: str) -> list[str]:
        return [entry.cause for entry in self.chains.get(message_id, [])]


@dataclass
class RecordingPublisher:
    """Records what is published; the first `failures` publishes fail as a broker outage."""

    failures: int = 0
    published: list[tuple[CloudEvent, str]] = field(default_factory=list)

    async def publish(self, event: CloudEvent, routing_key: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker unreachable")
        self.published.append((event, routing_key))


@dataclass
class InMemoryCitizens:
    """Honours ports.CitizenDirectory; `everyone` makes every citizen activated and
    consenting (for tests that are not about it)."""

    everyone: bool = False
    activated: dict[str, datetime] = field(default_factory=dict)
    changes: dict[tuple[str, str], list[ConsentChange]] = field(default_factory=dict)

    async def activated_at(self, bsn: str) -> datetime | None:
        return EVER if self.everyone else self.activated.get(bsn)

    async def consent_changes(self, bsn: str, organisation_oin: str) -> list[ConsentChange]:
        if self.everyone:
            return [ConsentChange(organisation_oin, True, EVER, "everyone")]
        return list(self.changes.get((bsn, organisation_oin), []))

    async def record_activation(self, bsn: str, activated_at: datetime) -> None:
        self.activated.setdefault(bsn, activated_at)

    async def record_consent(self, bsn: str, change: ConsentChange) -> None:
        known = self.changes.setdefault((bsn, change.organisation_oin), [])
        if change not in known:
            known.append(change)
