"""The citizen's Berichtenbox as the HTTP API shows it: view models and their mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.canonical import rfc3339
from berichtenbox.domain.mailbox import FOLDER_PATTERN, MessageSummary
from berichtenbox.domain.message import AttachmentFile, Message
from berichtenbox.domain.trail import TrailEntry, verify_chain
from mijnoverheid.api import PERSONAL

PREFIX = "/api/v1"


class Sender(BaseModel):
    oin: str
    name: str


class MessageSummaryView(BaseModel):
    message_id: str
    href: str
    sender: Sender
    subject: str
    reference: str = Field(description="the sender's own reference (kenmerk)")
    legal_effect: bool
    kind: str | None
    deadline: date | None
    sent_at: datetime
    delivered_at: datetime
    expires_at: datetime = Field(description="when the content is removed")
    folder: str
    read: bool
    read_at: datetime | None
    attachment_count: int
    trashed_at: datetime | None = Field(description="when it was put in the trash (if it is)")


class AttachmentView(BaseModel):
    index: int
    href: str
    file_name: str
    media_type: str
    size: int
    sha256: str


class MessageView(MessageSummaryView):
    body: str
    attachments: list[AttachmentView]
    content_digest: str = Field(description="sha256:<hex> over the delivered content")


class FolderView(BaseModel):
    name: str
    total: int
    unread: int


class Folders(BaseModel):
    folders: list[FolderView]


class MoveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: str = Field(
        pattern=FOLDER_PATTERN,
        description="`inbox`, `archive`, or a name of your own (1–40 letters, digits, spaces, "
        "`_`, `-`)",
        examples=["archive", "Belastingen 2025"],
    )


class TrailEntryView(BaseModel):
    seq: int
    kind: str
    at: str = Field(description="RFC 3339 UTC with milliseconds, exactly as hashed")
    cause: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


class Verification(BaseModel):
    valid: bool
    entries: int
    first_invalid_seq: int | None = Field(description="the first entry that does not verify")


class TrailView(BaseModel):
    message_id: str
    hash_algorithm: str = "sha256"
    entries: list[TrailEntryView]
    verification: Verification


def href(message_id: str) -> str:
    return f"{PREFIX}/messages/{quote(message_id, safe='')}"


def summary_facts(summary: MessageSummary) -> dict[str, Any]:
    """What a message is, without what it says: shown alike to its owner and to a helper."""
    return {
        "message_id": summary.message_id,
        "sender": Sender(oin=summary.sender_oin, name=summary.sender_name),
        "reference": summary.reference,
        "legal_effect": summary.legal_effect,
        "kind": summary.kind,
        "deadline": summary.deadline,
        "sent_at": summary.sent_at,
        "delivered_at": summary.delivered_at,
        "expires_at": summary.expires_at,
        "attachment_count": summary.attachment_count,
    }


def summary_view(summary: MessageSummary) -> MessageSummaryView:
    return MessageSummaryView(
        **summary_facts(summary),
        href=href(summary.message_id),
        subject=summary.subject,
        folder=summary.folder,
        read=summary.read_at is not None,
        read_at=summary.read_at,
        trashed_at=summary.trashed_at,
    )


def message_view(message: Message) -> MessageView:
    summary = summary_view(rules.summary_of(message))
    return MessageView(
        **summary.model_dump(),
        body=message.body,
        content_digest=message.content_digest,
        attachments=attachment_views(message, summary.href),
    )


def attachment_views(message: Message, message_href: str) -> list[AttachmentView]:
    """The message's attachments, each downloaded under the address the message was read at."""
    return [
        AttachmentView(
            index=index,
            href=f"{message_href}/attachments/{index}",
            file_name=file.file_name,
            media_type=file.media_type,
            size=file.size,
            sha256=file.sha256,
        )
        for index, file in enumerate(message.attachments)
    ]


def verification(entries: list[TrailEntry]) -> Verification:
    result = verify_chain(entries)
    return Verification(
        valid=result.valid, entries=result.entries, first_invalid_seq=result.first_invalid_seq
    )


def content_disposition(file_name: str) -> str:
    """`attachment` with the name quoted safely: an ASCII fallback without quotes, backslashes
    or control characters, and the exact name as RFC 5987 `filename*`."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in file_name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def attachment_download(file: AttachmentFile, chunks: AsyncIterator[bytes]) -> StreamingResponse:
    """An attachment as a download, streamed: never cached, never sniffed as something else."""
    return StreamingResponse(
        chunks,
        media_type=file.media_type,
        headers={
            **PERSONAL,
            "Content-Disposition": content_disposition(file.file_name),
            "Content-Length": str(file.size),
            "X-Content-Type-Options": "nosniff",
        },
    )


def trail_view(message: Message, entries: list[TrailEntry]) -> TrailView:
    return TrailView(
        message_id=message.message_id,
        entries=[
            TrailEntryView(
                seq=entry.seq,
                kind=entry.kind.value,
                at=rfc3339(entry.at),
                cause=entry.cause,
                details=entry.details,
                prev_hash=entry.prev_hash,
                hash=entry.hash,
            )
            for entry in entries
        ],
        verification=verification(entries),
    )
