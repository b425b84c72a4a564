"""The citizen's Berichtenbox over HTTP (/api/v1): the token's BSN scopes every request.

Another citizen's message is 404, never 403, so that its existence is not revealed; a message
whose content was deleted or has expired is 410. No response contains a BSN.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from berichtenbox.domain import inbox as rules
from berichtenbox.domain.canonical import rfc3339
from berichtenbox.domain.inbox import FOLDER_PATTERN, MAX_SEARCH_CHARS, MessageSummary
from berichtenbox.domain.model import Message
from berichtenbox.domain.trail import TrailEntry, verify_chain
from berichtenbox.domain.trail_export import trail_text
from berichtenbox.inbox import Inbox
from mijnoverheid.api import Page, PagingQuery, page_of
from mijnoverheid.auth import CurrentCitizen
from mijnoverheid.problems import PROBLEM_JSON, ProblemError

PREFIX = "/api/v1"
router = APIRouter(prefix=PREFIX, tags=["messages"])

PERSONAL = {"Cache-Control": "no-store"}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": Problem.model_json_schema()}},
    }


Responses = dict[int | str, dict[str, Any]]
UNAUTHORIZED: Responses = {401: _problem("no valid bearer token")}
NOT_FOUND: Responses = {404: _problem("no such message (or not yours)")}
GONE: Responses = {
    410: _problem("the content was deleted by you or has expired; the trail remains")
}
INVALID: Responses = {400: _problem("invalid query or body")}


# --- views -----------------------------------------------------------------------------------


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


def _href(message_id: str) -> str:
    return f"{PREFIX}/messages/{quote(message_id, safe='')}"


def _summary_view(summary: MessageSummary) -> MessageSummaryView:
    return MessageSummaryView(
        message_id=summary.message_id,
        href=_href(summary.message_id),
        sender=Sender(oin=summary.sender_oin, name=summary.sender_name),
        subject=summary.subject,
        reference=summary.reference,
        legal_effect=summary.legal_effect,
        kind=summary.kind,
        deadline=summary.deadline,
        sent_at=summary.sent_at,
        delivered_at=summary.delivered_at,
        expires_at=summary.expires_at,
        folder=summary.folder,
        read=summary.read_at is not None,
        read_at=summary.read_at,
        attachment_count=summary.attachment_count,
    )


def _message_view(message: Message) -> MessageView:
    summary = _summary_view(rules.summary_of(message))
    return MessageView(
        **summary.model_dump(),
        body=message.body,
        content_digest=message.content_digest,
        attachments=[
            AttachmentView(
                index=index,
                href=f"{summary.href}/attachments/{index}",
                file_name=file.file_name,
                media_type=file.media_type,
                size=file.size,
                sha256=file.sha256,
            )
            for index, file in enumerate(message.attachments)
        ],
    )


def _verification(entries: list[TrailEntry]) -> Verification:
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


# --- dependencies ----------------------------------------------------------------------------


def _inbox(request: Request) -> Inbox:
    inbox: Inbox = request.app.state.inbox
    return inbox


InboxDep = Annotated[Inbox, Depends(_inbox)]
MessageId = Annotated[str, Path(min_length=1, max_length=100)]


@contextlib.contextmanager
def _as_problems() -> Iterator[None]:
    try:
        yield
    except rules.MessageNotFoundError as error:
        raise ProblemError(404, "Not Found", "there is no such message") from error
    except rules.ContentGoneError as error:
        raise ProblemError(
            410,
            "Gone",
            "the content of this message was deleted or has expired; its trail is still available",
        ) from error
    except rules.AttachmentNotFoundError as error:
        raise ProblemError(404, "Not Found", "there is no such attachment") from error
    except rules.InvalidFolderError as error:
        raise ProblemError(400, "Bad Request", str(error)) from error


# --- endpoints -------------------------------------------------------------------------------


@router.get(
    "/messages",
    response_model=Page[MessageSummaryView],
    responses={**UNAUTHORIZED, **INVALID},
)
async def list_messages(
    request: Request,
    response: Response,
    citizen: CurrentCitizen,
    inbox: InboxDep,
    paging: PagingQuery,
    unread: Annotated[bool | None, Query(description="only unread (true) or read (false)")] = None,
    sender_oin: Annotated[
        str | None, Query(pattern=r"^[0-9]{20}$", description="only from this sender")
    ] = None,
    folder: Annotated[
        str | None, Query(pattern=FOLDER_PATTERN, description="only in this folder")
    ] = None,
    search: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_SEARCH_CHARS,
            description="text in the subject (case-insensitive)",
        ),
    ] = None,
) -> Page[MessageSummaryView]:
    """Your messages, newest first; deleted and expired messages are not listed."""
    with _as_problems():
        criteria = rules.ListingCriteria(
            unread=unread,
            sender_oin=sender_oin,
            folder=rules.folder_name(folder) if folder is not None else None,
            search=rules.search_term(search) if search is not None else None,
        )
    items, total = await inbox.listing(
        citizen.bsn, criteria, skip=paging.skip, limit=paging.page_size
    )
    response.headers.update(PERSONAL)
    return page_of(request, paging, [_summary_view(item) for item in items], total)


@router.get("/folders", response_model=Folders, responses=UNAUTHORIZED)
async def list_folders(citizen: CurrentCitizen, inbox: InboxDep, response: Response) -> Folders:
    """`inbox` and `archive`, then your own folders, with how many messages (unread) each."""
    response.headers.update(PERSONAL)
    found = await inbox.folders(citizen.bsn)
    return Folders(folders=[FolderView(name=f.name, total=f.total, unread=f.unread) for f in found])


@router.get(
    "/messages/{message_id}",
    response_model=MessageView,
    responses={**UNAUTHORIZED, **NOT_FOUND, **GONE},
)
async def read_message(
    message_id: MessageId, citizen: CurrentCitizen, inbox: InboxDep, response: Response
) -> MessageView:
    """The message with its content. The first read marks it read and tells the sender
    (`berichtenbox.message-read`), once."""
    with _as_problems():
        message = await inbox.open(citizen.bsn, message_id)
    response.headers.update(PERSONAL)
    return _message_view(message)


@router.get(
    "/messages/{message_id}/attachments/{index}",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "the file",
            "content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}},
        },
        **UNAUTHORIZED,
        **NOT_FOUND,
        **GONE,
    },
)
async def download_attachment(
    message_id: MessageId,
    index: Annotated[int, Path(ge=0, lt=100)],
    citizen: CurrentCitizen,
    inbox: InboxDep,
) -> StreamingResponse:
    with _as_problems():
        file, chunks = await inbox.attachment(citizen.bsn, message_id, index)
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


@router.put(
    "/messages/{message_id}/folder",
    response_model=MessageSummaryView,
    responses={**UNAUTHORIZED, **NOT_FOUND, **GONE, **INVALID},
)
async def move_message(
    message_id: MessageId, body: MoveRequest, citizen: CurrentCitizen, inbox: InboxDep
) -> MessageSummaryView:
    """File the message in `inbox`, `archive` or a folder of your own."""
    with _as_problems():
        message = await inbox.move(citizen.bsn, message_id, body.folder)
    return _summary_view(rules.summary_of(message))


@router.delete(
    "/messages/{message_id}",
    status_code=204,
    response_class=Response,
    responses={**UNAUTHORIZED, **NOT_FOUND},
)
async def delete_message(message_id: MessageId, citizen: CurrentCitizen, inbox: InboxDep) -> None:
    """Removes subject, body and attachments for good. Sender, dates, the content digest and
    the trail stay. Deleting again changes nothing."""
    with _as_problems():
        await inbox.delete(citizen.bsn, message_id)


@router.get(
    "/messages/{message_id}/trail",
    response_model=TrailView,
    tags=["trail"],
    responses={**UNAUTHORIZED, **NOT_FOUND},
)
async def message_trail(
    message_id: MessageId, citizen: CurrentCitizen, inbox: InboxDep, response: Response
) -> TrailView:
    """Everything that happened to the message, hash-chained, with the chain's verification."""
    with _as_problems():
        message, entries = await inbox.trail(citizen.bsn, message_id)
    response.headers.update(PERSONAL)
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
        verification=_verification(entries),
    )


@router.get(
    "/messages/{message_id}/trail.txt",
    response_class=PlainTextResponse,
    tags=["trail"],
    responses={
        200: {"content": {"text/plain": {}}, "description": "the trail, in Dutch and English"},
        **UNAUTHORIZED,
        **NOT_FOUND,
    },
)
async def message_trail_text(
    message_id: MessageId, citizen: CurrentCitizen, inbox: InboxDep
) -> PlainTextResponse:
    with _as_problems():
        message, entries = await inbox.trail(citizen.bsn, message_id)
    return PlainTextResponse(trail_text(message, entries), headers=PERSONAL)


@router.get(
    "/messages/{message_id}/trail/verification",
    response_model=Verification,
    tags=["trail"],
    responses={**UNAUTHORIZED, **NOT_FOUND},
)
async def verify_message_trail(
    message_id: MessageId, citizen: CurrentCitizen, inbox: InboxDep
) -> Verification:
    """Recomputes every entry's hash and its link to the one before."""
    with _as_problems():
        _, entries = await inbox.trail(citizen.bsn, message_id)
    return _verification(entries)
