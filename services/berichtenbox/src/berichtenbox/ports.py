"""What the handlers need from the outside world."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from berichtenbox.domain.eligibility import ConsentChange
from berichtenbox.domain.grants import Grant
from berichtenbox.domain.mailbox import FolderCount, ListingCriteria, MessageSummary
from berichtenbox.domain.message import Message, NewMessage
from berichtenbox.domain.trail import TrailEntry, TrailKind
from mijnoverheid.timed_work import WorkUnit, WorkUnits


@dataclass(frozen=True)
class Stored:
    message: Message  # as stored: for a redelivery, the copy stored before
    new: bool


class MessageStore(Protocol):
    """The messages collection (and its attachments), for every side of the service."""

    async def by_id(self, message_id: str) -> Message | None: ...

    async def add(self, new: NewMessage) -> Stored:
        """Store the message once; a message stored before is returned as it was stored."""
        ...

    # --- the citizen's side --------------------------------------------------------------
    async def owned(self, bsn: str, message_id: str) -> Message | None: ...

    async def listing(
        self, bsn: str, criteria: ListingCriteria, now: datetime, *, skip: int, limit: int
    ) -> tuple[list[MessageSummary], int]: ...

    async def folders(self, bsn: str, now: datetime) -> list[FolderCount]: ...

    async def set_read_at(self, message_id: str, at: datetime) -> None: ...

    async def set_folder(
        self,
        message_id: str,
        folder: str,
        *,
        trashed_from: str | None = None,
        trashed_at: datetime | None = None,
    ) -> None:
        """One write: the folder, and (in the trash) where it came from and since when."""
        ...

    async def open_attachment(self, file_id: str) -> AsyncIterator[bytes]:
        """Raises LookupError when the file is gone."""
        ...

    async def delete_content(self, message: Message, at: datetime) -> None: ...

    # --- the retention scan --------------------------------------------------------------
    def retention_pages(self, unit: WorkUnit) -> AsyncIterator[list[Message]]:
        """The unit's messages that may still need its task, in bounded pages, without their
        bodies: for expiry those not marked expired, for warnings and reminders those not
        read, deleted, expired, in the trash or warned (reminded)."""
        ...

    async def expire_content(self, message: Message, at: datetime) -> None: ...

    async def mark_warned(self, message_id: str, at: datetime) -> None:
        """The expiry warning went out: later scans skip the message."""
        ...

    async def mark_reminded(self, message_id: str, at: datetime) -> None:
        """The unread reminder went out: later scans skip the message."""
        ...


class RetentionTask(StrEnum):
    EXPIRE = "expire"
    WARN = "warn"
    REMIND = "remind"  # the one reminder for a message left unread


# Which units a scan has to do, and which replica does each.
RetentionWork = WorkUnits


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

    async def begun(self, message_id: str) -> bool:
        """Whether the message's trail has begun (it begins once the message is stored)."""
        ...

    async def append(self, message_id: str, record: Record) -> None:
        """Append once per (message, cause)."""
        ...

    async def append_all(self, message_id: str, records: list[Record]) -> None:
        """Append, in one write, the records whose cause is not there yet."""
        ...

    async def start(self, message_id: str, records: list[Record]) -> None:
        """Begin the trail of a message just stored (completing it if it exists already)."""
        ...


class ReadReportOutbox(Protocol):
    """message-read reports owed to senders until the broker confirmed them."""

    async def owe(self, message_id: str, read_at: datetime) -> None: ...

    async def settle(self, message_id: str) -> None: ...

    async def owed(self) -> list[tuple[str, datetime]]: ...


class CitizenDirectory(Protocol):
    """The Berichtenbox's projection of the portal's accounts and digital consent."""

    async def activated_at(self, bsn: str) -> datetime | None: ...

    async def consent_changes(self, bsn: str, organisation_oin: str) -> list[ConsentChange]: ...

    async def record_activation(self, bsn: str, activated_at: datetime) -> None:
        """The first activation recorded stays."""
        ...

    async def record_consent(self, bsn: str, change: ConsentChange) -> None:
        """Once per change, however often it is delivered."""
        ...


class GrantDirectory(Protocol):
    """The Berichtenbox's projection of the portal's grants (machtigen)."""

    async def grant(self, grant_id: str) -> Grant | None:
        """With its withdrawal, if one was recorded (whichever arrived first)."""
        ...

    async def of_helper(self, helper_bsn: str) -> list[Grant]: ...

    async def record_grant(self, grant: Grant) -> None:
        """Once per grant, however often it is delivered; the first recorded stays."""
        ...

    async def record_withdrawal(self, grant_id: str, withdrawn_at: datetime) -> None:
        """Once; also before the grant itself is known."""
        ...
