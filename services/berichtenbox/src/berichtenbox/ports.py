"""What the handlers need from the outside world."""

from __future__ import annotations

from typing import Protocol

from berichtenbox.domain.model import Message, NewMessage


class MessageStore(Protocol):
    async def by_event(self, event_source: str, event_id: str) -> Message | None: ...

    async def add(self, new: NewMessage) -> Message:
        """Store the message once; return the stored one when it already was."""
        ...
