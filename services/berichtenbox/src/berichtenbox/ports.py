"""What the handlers need from the outside world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from berichtenbox.domain.model import Message, NewMessage
from berichtenbox.domain.trail import TrailEntry, TrailKind


class MessageStore(Protocol):
    async def by_id(self, message_id: str) -> Message | None: ...

    async def add(self, new: NewMessage) -> Message:
        """Store the message once; return the stored one when it already was."""
        ...

    async def add_many(self, news: list[NewMessage]) -> list[Message]:
        """Store messages without attachments in one write, each once; return what is stored."""
        ...


@dataclass(frozen=True)
class Record:
    """A trail entry to append, identified by its cause."""

    kind: TrailKind
    cause: str
    at: datetime
    details: dict[str, Any] | None = None


class Trail(Protocol):
    async def entries(self, message_id: str) -> list[TrailEntry]: ...

    async def has(self, message_id: str, cause: str) -> bool: ...

    async def append(
        self,
        entry_kind: TrailKind,
        message_id: str,
        cause: str,
        *,
        at: datetime,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append once per (message, cause)."""
        ...

    async def append_all(self, message_id: str, records: list[Record]) -> None:
        """Append, in one write, the records whose cause is not there yet."""
        ...

    async def start_many(self, trails: dict[str, list[Record]]) -> None:
        """Begin the trails of new messages in one write (falling back to append_all)."""
        ...
