"""What a citizen does with their messages: list, open, download, file, put in the trash,
restore, delete for good, check the trail and the receipt.

Every lookup is by (message id, the citizen's BSN): another citizen's message is "not found".
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.mailbox import FolderCount, ListingCriteria, MessageSummary
from berichtenbox.domain.message import TRASH, AttachmentFile, Message
from berichtenbox.domain.receipt import Receipt, ReceiptSigner, sign_receipt
from berichtenbox.domain.trail import TrailEntry, TrailKind
from berichtenbox.handlers.read_reports import ReadReporter
from berichtenbox.ports import MessageStore, Record, Trail


@dataclass(frozen=True)
class Mailbox:
    store: MessageStore
    trail: Trail
    read_reports: ReadReporter
    clock: Callable[[], datetime]
    signer: ReceiptSigner

    async def listing(
        self, bsn: str, criteria: ListingCriteria, *, skip: int, limit: int
    ) -> tuple[list[MessageSummary], int]:
        return await self.store.listing(bsn, criteria, self.clock(), skip=skip, limit=limit)

    async def folders(self, bsn: str) -> list[FolderCount]:
        return await self.store.folders(bsn, self.clock())

    async def open(self, bsn: str, message_id: str) -> Message:
        """The message with its content, marked read; the sender hears of it once."""
        message = await self._with_content(bsn, message_id)
        if message.read_at is None:
            await self.read_reports.owe(message_id)
        await self.trail.append(message_id, Record(TrailKind.READ, rules.READ_CAUSE, self.clock()))
        entries = await self.trail.entries(message_id)
        read = rules.entry_with_cause(entries, rules.READ_CAUSE)
        assert read is not None
        # The trail's first read is the read time, also when two requests race.
        if message.read_at != read.at:
            await self.store.set_read_at(message_id, read.at)
            message = replace(message, read_at=read.at)
        if rules.entry_with_cause(entries, rules.READ_REPORTED_CAUSE) is None:
            await self.read_reports.report(message, read.at)
        return message

    async def attachment(
        self, bsn: str, message_id: str, index: int
    ) -> tuple[AttachmentFile, AsyncIterator[bytes]]:
        message = await self._with_content(bsn, message_id)
        if not 0 <= index < len(message.attachments):
            raise rules.AttachmentNotFoundError(index)
        file = message.attachments[index]
        try:
            chunks = await self.store.open_attachment(file.file_id)
        except LookupError as error:
            # Removed between our lookup and the download (a delete or expiry in progress).
            raise rules.ContentGoneError(message_id) from error
        return file, chunks

    async def move(self, bsn: str, message_id: str, folder: str) -> Message:
        """File the message in a folder; `trash` puts it in the trash, and a message moved out
        of the trash is restored to the folder chosen."""
        target = rules.folder_name(folder)
        return await self._move(await self._with_content(bsn, message_id), target)

    async def trash(self, bsn: str, message_id: str) -> None:
        """Put the message in the trash (the citizen's "delete"). A message whose content is
        gone already, or that is in the trash, stays as it is."""
        message = await self._owned(bsn, message_id)
        if rules.content_available(message, self.clock()):
            await self._move(message, TRASH)

    async def restore(self, bsn: str, message_id: str) -> Message:
        """Back from the trash to the folder it was deleted from; elsewhere nothing changes."""
        message = await self._with_content(bsn, message_id)
        target = rules.restore_target(message)
        return message if target is None else await self._move(message, target)

    async def _move(self, message: Message, target: str) -> Message:
        now = self.clock()
        placement = rules.placement_after_move(message, target, now)
        if placement is None:
            return message
        # Trail first: a crash before the folder is set leaves an entry too many, never one
        # too few.
        moved = {"from": rules.folder_kind(message.folder), "to": rules.folder_kind(target)}
        cause = rules.move_cause(uuid.uuid4().hex)
        await self.trail.append(message.message_id, Record(TrailKind.MOVED, cause, now, moved))
        await self.store.set_folder(
            message.message_id,
            placement.folder,
            trashed_from=placement.trashed_from,
            trashed_at=placement.trashed_at,
        )
        return replace(
            message,
            folder=placement.folder,
            trashed_from=placement.trashed_from,
            trashed_at=placement.trashed_at,
        )

    async def delete_for_good(self, bsn: str, message_id: str) -> None:
        """Remove subject, body and attachments of a message in the trash; metadata, the trail
        and the receipt stay. Idempotent: a message without content stays as it is."""
        message = await self._owned(bsn, message_id)
        if not message.has_content:
            return
        if message.folder != TRASH:
            raise rules.NotInTrashError(message_id)
        details = {"attachments": len(message.attachments)}
        record = Record(TrailKind.DELETED, rules.DELETED_CAUSE, self.clock(), details)
        await self.trail.append(message_id, record)
        deleted = rules.entry_with_cause(await self.trail.entries(message_id), rules.DELETED_CAUSE)
        assert deleted is not None
        await self.store.delete_content(message, deleted.at)

    async def receipt(self, bsn: str, message_id: str) -> Receipt:
        """The receipt the sender got in message-delivered: signed over the stored fields,
        which never change, with a deterministic signature, so it is the same bytes. Also for
        a deleted or expired message: the proof outlives the content."""
        return sign_receipt(await self._owned(bsn, message_id), self.signer)

    async def trail_of(self, bsn: str, message_id: str) -> tuple[Message, list[TrailEntry]]:
        """Also for a deleted or expired message: the trail outlives the content."""
        message = await self._owned(bsn, message_id)
        return message, await self.trail.entries(message_id)

    async def _owned(self, bsn: str, message_id: str) -> Message:
        message = await self.store.owned(bsn, message_id)
        if message is None:
            raise rules.MessageNotFoundError(message_id)
        return message

    async def _with_content(self, bsn: str, message_id: str) -> Message:
        message = await self._owned(bsn, message_id)
        if not rules.content_available(message, self.clock()):
            raise rules.ContentGoneError(message_id)
        return message
