"""The messages collection: storing each message once, the citizen's views, the retention scan.

Storing is an insert on the `_id` derived from the event, so a redelivery finds the message
stored before in the insert's duplicate-key error instead of looking first. Inserts of
messages that arrive together share one `insert_many` (a Coalescer: FerretDB v1 commits every
write on its own). Other writes are plain updates that set values: two replicas, or a retried
request, doing one twice end with the same document. Whether something happens once is decided
by the trail's unique (message, cause) key, never by a conditional update (FerretDB v1 does not
apply those atomically).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, replace
from dataclasses import fields as dataclass_fields
from datetime import date, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from berichtenbox.adapters.attachments import AttachmentFiles
from berichtenbox.adapters.retention_work import UNIT_FIELD, RetentionHours, unit_fields
from berichtenbox.adapters.stored_fields import GONE, REMINDED, STILL_TO_DO, UNREAD, WARNED
from berichtenbox.domain.mailbox import (
    FolderCount,
    ListingCriteria,
    MessageSummary,
    Window,
    folder_overview,
    summary_of,
    unread_first_windows,
)
from berichtenbox.domain.message import (
    TRASH,
    AttachmentFile,
    Message,
    NewMessage,
    RetentionPolicy,
)
from berichtenbox.domain.reminder import ReminderPolicy
from berichtenbox.ports import RetentionTask, Stored
from mijnoverheid.coalescing import Coalescer
from mijnoverheid.storage import Document, insert_each
from mijnoverheid.timed_work import WorkUnit

MESSAGES = "messages"
RETENTION_PAGE = 200  # messages per page of the retention scan
_WITHOUT_BODY = {"body": 0}
NEWEST_FIRST = [("delivered_at", DESCENDING), ("_id", ASCENDING)]
_CLEARED_CONTENT: dict[str, Any] = {"subject": "", "body": "", "attachments": []}
_WARN_BEFORE = RetentionPolicy().warn_before
_REMINDERS = ReminderPolicy()


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    messages = database[MESSAGES]
    await messages.create_index(
        [("event_source", ASCENDING), ("event_id", ASCENDING)], unique=True, name="event_once"
    )
    await messages.create_index(
        [("recipient_bsn", ASCENDING), ("delivered_at", DESCENDING)], name="inbox_newest_first"
    )
    # The retention scan's units: equality lookups (retention_work.py).
    for task, field in UNIT_FIELD.items():
        await messages.create_index([(field, ASCENDING)], name=f"retention_{task.value}")


def visible_to(bsn: str, now: datetime) -> Document:
    """What a citizen's listings show: their own messages that still have content."""
    return {
        "recipient_bsn": bsn,
        GONE: {"$ne": True},
        "deleted_at": None,
        "expired_at": None,
        "expires_at": {"$gt": now},
    }


def unread_filter(unread: bool) -> Document:
    if unread:
        return {UNREAD: {"$ne": False}, "read_at": None}
    return {UNREAD: {"$ne": True}, "read_at": {"$ne": None}}


def listing_filter(bsn: str, criteria: ListingCriteria, now: datetime) -> Document:
    query = visible_to(bsn, now)
    if criteria.unread is not None:
        query.update(unread_filter(criteria.unread))
    if criteria.sender_oin is not None:
        query["sender_oin"] = criteria.sender_oin
    if criteria.senders is not None:
        # A helper's listing; with one organisation (the usual grant) an equality.
        one = len(criteria.senders) == 1
        query["sender_oin"] = criteria.senders[0] if one else {"$in": list(criteria.senders)}
    # The trash is listed only when asked for.
    query["folder"] = criteria.folder if criteria.folder is not None else {"$ne": TRASH}
    if criteria.search is not None:
        # A substring, not a pattern: the citizen's input is escaped.
        query["subject"] = {"$regex": re.escape(criteria.search), "$options": "i"}
    return query


class MessageRepository:
    def __init__(
        self,
        database: AsyncDatabase[Document],
        *,
        warn_before: timedelta = _WARN_BEFORE,
        reminders: ReminderPolicy = _REMINDERS,
    ) -> None:
        self._messages = database[MESSAGES]
        self._files = AttachmentFiles(database)
        self._hours = RetentionHours(database)
        self._warn_before = warn_before
        self._reminders = reminders
        self._insert = Coalescer(self._insert_many)

    async def by_id(self, message_id: str) -> Message | None:
        document = await self._messages.find_one({"_id": message_id})
        return _to_message(document) if document else None

    async def add(self, new: NewMessage) -> Stored:
        """Attachments first, under ids of this attempt only; the message document last,
        naming them: only a complete message becomes visible, and no attempt can remove or
        overwrite what another attempt's message refers to. A lost race (a redelivery stored
        it first) leaves this attempt's files unreferenced, and they are removed."""
        if not new.message.attachments:
            return await self._insert(new.message)
        attempt = uuid.uuid4().hex[:12]
        files = tuple(
            replace(file, file_id=f"{file.file_id}.{attempt}") for file in new.message.attachments
        )
        for file, content in zip(files, new.attachment_contents, strict=True):
            await self._files.upload(file, content)
        stored = await self._insert(replace(new.message, attachments=files))
        if not stored.new:
            await self._files.remove(files)
        return stored

    async def _insert_many(self, messages: Sequence[Message]) -> list[Stored | BaseException]:
        documents = [_to_document(each, self._warn_before, self._reminders) for each in messages]
        # The retention scan finds the messages' units through these: recorded first.
        await self._hours.record(documents)
        outcomes = await insert_each(self._messages, documents)
        return [
            await self._stored(message, outcome)
            for message, outcome in zip(messages, outcomes, strict=True)
        ]

    async def _stored(
        self, message: Message, outcome: BaseException | None
    ) -> Stored | BaseException:
        if outcome is None:
            return Stored(message, new=True)
        if not isinstance(outcome, DuplicateKeyError):
            return outcome
        existing = await self.by_id(message.message_id)
        # None: its event key taken under another _id, which an _id derived from it rules out.
        return Stored(existing, new=False) if existing else outcome

    # --- the citizen's side ----------------------------------------------------------------

    async def owned(self, bsn: str, message_id: str) -> Message | None:
        # By `_id` alone, the owner compared here: the one filter every store serves from
        # an index (FerretDB on SQLite scans for `{_id, recipient_bsn}`).
        message = await self.by_id(message_id)
        return message if message is not None and message.recipient_bsn == bsn else None

    async def listing(
        self, bsn: str, criteria: ListingCriteria, now: datetime, *, skip: int, limit: int
    ) -> tuple[list[MessageSummary], int]:
        # The queries that do not depend on each other go out together: on FerretDB each one
        # fetches every document its filter matches, so a long inbox costs one round, not four.
        query = listing_filter(bsn, criteria, now)
        count = self._messages.count_documents
        if not criteria.unread_first:
            return await asyncio.gather(self._summaries(query, Window(skip, limit)), count(query))
        # Unread first: the unread part, then the read part, each newest first and paged as one.
        unread, read = {**query, **unread_filter(True)}, {**query, **unread_filter(False)}
        unread_total, read_total = await asyncio.gather(count(unread), count(read))
        first, then = unread_first_windows(skip, limit, unread_total)
        parts = await asyncio.gather(self._summaries(unread, first), self._summaries(read, then))
        return parts[0] + parts[1], unread_total + read_total

    async def _summaries(self, query: Document, window: Window) -> list[MessageSummary]:
        if window.limit == 0:  # to pymongo, a limit of 0 means "no limit"
            return []
        cursor = (
            self._messages.find(query, {"body": 0})
            .sort(NEWEST_FIRST)
            .skip(window.skip)
            .limit(window.limit)
        )
        # A summary has no body, so none is loaded.
        return [summary_of(_to_message({**document, "body": ""})) async for document in cursor]

    async def folders(self, bsn: str, now: datetime) -> list[FolderCount]:
        visible = visible_to(bsn, now)
        totals = await self._count_by_folder(visible)
        unread = await self._count_by_folder({**visible, **unread_filter(True)})
        return folder_overview(totals, unread)

    async def _count_by_folder(self, query: Document) -> dict[str, int]:
        pipeline = [{"$match": query}, {"$group": {"_id": "$folder", "count": {"$sum": 1}}}]
        cursor = await self._messages.aggregate(pipeline)
        return {group["_id"]: group["count"] async for group in cursor}

    async def set_read_at(self, message_id: str, at: datetime) -> None:
        await self._messages.update_one(
            {"_id": message_id}, {"$set": {"read_at": at, UNREAD: False}}
        )

    async def set_folder(
        self,
        message_id: str,
        folder: str,
        *,
        trashed_from: str | None = None,
        trashed_at: datetime | None = None,
    ) -> None:
        placement = {"folder": folder, "trashed_from": trashed_from, "trashed_at": trashed_at}
        await self._messages.update_one({"_id": message_id}, {"$set": placement})

    async def open_attachment(self, file_id: str) -> AsyncIterator[bytes]:
        return await self._files.open(file_id)

    # --- removing content (the citizen's delete, and expiry) -------------------------------

    async def delete_content(self, message: Message, at: datetime) -> None:
        await self._remove_content(message, "deleted_at", at)

    async def expire_content(self, message: Message, at: datetime) -> None:
        await self._remove_content(message, "expired_at", at)

    async def _remove_content(self, message: Message, mark: str, at: datetime) -> None:
        """Files first, then one write that clears the content and sets the mark: until that
        write the document still lists the files, so a retry finds what is left to remove.
        Metadata (sender, reference, dates, content digest) stays, and so does the trail."""
        await self._files.remove(message.attachments)
        await self._messages.update_one(
            {"_id": message.message_id}, {"$set": {**_CLEARED_CONTENT, mark: at, GONE: True}}
        )

    # --- the retention scan ----------------------------------------------------------------

    async def retention_pages(self, unit: WorkUnit) -> AsyncIterator[list[Message]]:
        task = RetentionTask(unit.task)
        query = {UNIT_FIELD[task]: unit.key, **STILL_TO_DO[task]}
        cursor = self._messages.find(query, _WITHOUT_BODY, batch_size=RETENTION_PAGE)
        page: list[Message] = []
        async for document in cursor:
            page.append(_to_message({**document, "body": ""}))
            if len(page) == RETENTION_PAGE:
                yield page
                page = []
        if page:
            yield page

    async def mark_warned(self, message_id: str, at: datetime) -> None:
        await self._messages.update_one({"_id": message_id}, {"$set": {WARNED: at}})

    async def mark_reminded(self, message_id: str, at: datetime) -> None:
        await self._messages.update_one({"_id": message_id}, {"$set": {REMINDED: at}})


def _to_document(
    message: Message, warn_before: timedelta = _WARN_BEFORE, reminders: ReminderPolicy = _REMINDERS
) -> Document:
    document: dict[str, Any] = asdict(message)
    document.update(unit_fields(message, warn_before, reminders))
    document.update({UNREAD: message.read_at is None, GONE: not message.has_content})
    document["_id"] = document.pop("message_id")
    # BSON has no date type; keep the calendar date as ISO text.
    document["deadline"] = message.deadline.isoformat() if message.deadline else None
    return document


def _to_message(document: Document) -> Message:
    # Storage-only fields (the retention scan's keys and marks) stay behind.
    fields = {name: value for name, value in document.items() if name in _STORED_FIELDS}
    fields["message_id"] = fields.pop("_id")
    fields["deadline"] = date.fromisoformat(fields["deadline"]) if fields["deadline"] else None
    fields["attachments"] = tuple(AttachmentFile(**file) for file in fields["attachments"])
    return Message(**fields)


_STORED_FIELDS = frozenset(field.name for field in dataclass_fields(Message)) - {"message_id"} | {
    "_id"
}
