"""What a citizen does with their messages: list, open, download, file, delete, check the trail.

Every lookup is by (message id, the citizen's BSN): another citizen's message is "not found".
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from berichtenbox.domain import inbox as rules
from berichtenbox.domain.inbox import FolderCount, ListingCriteria, MessageSummary
from berichtenbox.domain.model import AttachmentFile, Message
from berichtenbox.domain.trail import TrailEntry, TrailKind
from berichtenbox.ports import Trail
from berichtenbox.read_reports import ReadReporter

log = logging.getLogger(__name__)


class InboxStore(Protocol):
    async def owned(self, bsn: str, message_id: str) -> Message | None: ...

    async def listing(
        self, bsn: str, criteria: ListingCriteria, now: datetime, *, skip: int, limit: int
    ) -> tuple[list[MessageSummary], int]: ...

    async def folders(self, bsn: str, now: datetime) -> list[FolderCount]: ...

    async def set_read_at(self, message_id: str, at: datetime) -> None: ...

    async def set_folder(self, message_id: str, folder: str) -> None: ...

    async def open_attachment(self, file_id: str) -> AsyncIterator[bytes]:
        """Raises AttachmentMissingError (a LookupError) when the file is gone."""
        ...

    async def delete_content(self, message: Message, at: datetime) -> None: ...


class Inbox:
    def __init__(
        self,
        *,
        store: InboxStore,
        trail: Trail,
        read_reports: ReadReporter,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._trail = trail
        self._read_reports = read_reports
        self._clock = clock

    async def listing(
        self, bsn: str, criteria: ListingCriteria, *, skip: int, limit: int
    ) -> tuple[list[MessageSummary], int]:
        return await self._store.listing(bsn, criteria, self._clock(), skip=skip, limit=limit)

    async def folders(self, bsn: str) -> list[FolderCount]:
        return await self._store.folders(bsn, self._clock())

    async def open(self, bsn: str, message_id: str) -> Message:
        """The message with its content, marked read; the sender hears of it once."""
        message = await self._with_content(bsn, message_id)
        await self._trail.append(TrailKind.READ, message_id, rules.READ_CAUSE, at=self._clock())
        entries = await self._trail.entries(message_id)
        read = rules.entry_with_cause(entries, rules.READ_CAUSE)
        assert read is not None
        # The trail's first read is the read time, also when two requests race.
        if message.read_at != read.at:
            await self._store.set_read_at(message_id, read.at)
            message = replace(message, read_at=read.at)
        if rules.entry_with_cause(entries, rules.READ_REPORTED_CAUSE) is None:
            await self._read_reports.report(message, read.at)
        return message

    async def attachment(
        self, bsn: str, message_id: str, index: int
    ) -> tuple[AttachmentFile, AsyncIterator[bytes]]:
        message = await self._with_content(bsn, message_id)
        if not 0 <= index < len(message.attachments):
            raise rules.AttachmentNotFoundError(index)
        file = message.attachments[index]
        try:
            chunks = await self._store.open_attachment(file.file_id)
        except LookupError as error:
            # Removed between our lookup and the download (a delete or expiry in progress).
            raise rules.ContentGoneError(message_id) from error
        return file, chunks

    async def move(self, bsn: str, message_id: str, folder: str) -> Message:
        target = rules.folder_name(folder)
        message = await self._with_content(bsn, message_id)
        if message.folder == target:
            return message
        # Trail first: a crash before the folder is set leaves an entry too many, never one
        # too few.
        await self._trail.append(
            TrailKind.MOVED,
            message_id,
            rules.move_cause(uuid.uuid4().hex),
            at=self._clock(),
            details={"from": rules.folder_kind(message.folder), "to": rules.folder_kind(target)},
        )
        await self._store.set_folder(message_id, target)
        return replace(message, folder=target)

    async def delete(self, bsn: str, message_id: str) -> None:
        """Remove subject, body and attachments; metadata and trail stay. Idempotent."""
        message = await self._owned(bsn, message_id)
        await self._trail.append(
            TrailKind.DELETED,
            message_id,
            rules.DELETED_CAUSE,
            at=self._clock(),
            details={"attachments": len(message.attachments)},
        )
        deleted = rules.entry_with_cause(await self._trail.entries(message_id), rules.DELETED_CAUSE)
        assert deleted is not None
        await self._store.delete_content(message, deleted.at)

    async def trail(self, bsn: str, message_id: str) -> tuple[Message, list[TrailEntry]]:
        """Also for a deleted or expired message: the trail outlives the content."""
        message = await self._owned(bsn, message_id)
        return message, await self._trail.entries(message_id)

    async def _owned(self, bsn: str, message_id: str) -> Message:
        message = await self._store.owned(bsn, message_id)
        if message is None:
            raise rules.MessageNotFoundError(message_id)
        return message

    async def _with_content(self, bsn: str, message_id: str) -> Message:
        message = await self._owned(bsn, message_id)
        if not rules.content_available(message, self._clock()):
            raise rules.ContentGoneError(message_id)
        return message
