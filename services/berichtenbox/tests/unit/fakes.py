"""In-memory fakes of the Berichtenbox's ports, shared by its unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from berichtenbox.domain.trail import TrailEntry, next_entry
from berichtenbox.ports import Record
from mijnoverheid.contracts.envelope import CloudEvent


class InMemoryTrail:
    """Honours ports.Trail: a hash chain per message, each cause at most once."""

    def __init__(self) -> None:
        self.chains: dict[str, list[TrailEntry]] = {}

    async def entries(self, message_id: str) -> list[TrailEntry]:
        return list(self.chains.get(message_id, []))

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
