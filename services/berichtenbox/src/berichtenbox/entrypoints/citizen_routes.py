"""The citizen's Berichtenbox over HTTP (/api/v1): the token's BSN scopes every request.

Another citizen's message is 404, never 403, so that its existence is not revealed; a message
whose content was deleted or has expired is 410. No response contains a BSN.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.mailbox import FOLDER_PATTERN, MAX_SEARCH_CHARS, Order
from berichtenbox.entrypoints import citizen_views as views
from berichtenbox.handlers.citizen import Mailbox
from mijnoverheid.api import (
    INVALID,
    PERSONAL,
    UNAUTHORIZED,
    Page,
    PagingQuery,
    page_of,
    problem,
)
from mijnoverheid.auth import CurrentCitizen
from mijnoverheid.problems import ProblemError
from mijnoverheid.processing_log import activities
from mijnoverheid.processing_log.http import records
from mijnoverheid.runtime import api_of

router = APIRouter(prefix=views.PREFIX, tags=["messages"])

NOT_FOUND = problem(404, "no such message (or not yours)")
GONE = problem(410, "the content was deleted by you or has expired; the trail remains")
NOT_IN_TRASH = problem(409, "the message is not in the trash: delete it (to the trash) first")


def _mailbox(request: Request) -> Mailbox:
    mailbox: Mailbox = api_of(request).mailbox
    return mailbox


InboxDep = Annotated[Mailbox, Depends(_mailbox)]
MessageId = Annotated[str, Path(min_length=1, max_length=100)]


@contextlib.contextmanager
def as_problems() -> Iterator[None]:
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
    except rules.NotInTrashError as error:
        raise ProblemError(
            409,
            "Conflict",
            "only a message in the trash can be deleted for good; delete it to the trash first",
        ) from error


@router.get(
    "/messages",
    response_model=Page[views.MessageSummaryView],
    responses={**UNAUTHORIZED, **INVALID},
    dependencies=[records(activities.MESSAGES_LISTED)],
)
async def list_messages(
    request: Request,
    response: Response,
    citizen: CurrentCitizen,
    mailbox: InboxDep,
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
    sort: Annotated[
        Order,
        Query(description="`newest` delivered first, or `unread-first` (each part newest first)"),
    ] = "newest",
) -> Page[views.MessageSummaryView]:
    """Your messages, newest first (or unread first); without `folder` all folders but the
    trash. Messages deleted for good and expired messages are not listed."""
    with as_problems():
        criteria = rules.ListingCriteria(
            unread=unread,
            sender_oin=sender_oin,
            folder=rules.folder_name(folder) if folder is not None else None,
            search=rules.search_term(search) if search is not None else None,
            order=sort,
        )
    items, total = await mailbox.listing(
        citizen.bsn, criteria, skip=paging.skip, limit=paging.page_size
    )
    response.headers.update(PERSONAL)
    return page_of(request, paging, [views.summary_view(item) for item in items], total)


@router.get(
    "/folders",
    response_model=views.Folders,
    responses=UNAUTHORIZED,
    dependencies=[records(activities.FOLDERS_LISTED)],
)
async def list_folders(
    citizen: CurrentCitizen, mailbox: InboxDep, response: Response
) -> views.Folders:
    """`inbox` and `archive`, then your own folders, with how many messages (unread) each."""
    response.headers.update(PERSONAL)
    found = await mailbox.folders(citizen.bsn)
    return views.Folders(
        folders=[views.FolderView(name=f.name, total=f.total, unread=f.unread) for f in found]
    )


@router.get(
    "/messages/{message_id}",
    response_model=views.MessageView,
    responses={**UNAUTHORIZED, **NOT_FOUND, **GONE},
    dependencies=[records(activities.MESSAGE_READ)],
)
async def read_message(
    message_id: MessageId, citizen: CurrentCitizen, mailbox: InboxDep, response: Response
) -> views.MessageView:
    """The message with its content. The first read marks it read and tells the sender
    (`berichtenbox.message-read`), once."""
    with as_problems():
        message = await mailbox.open(citizen.bsn, message_id)
    response.headers.update(PERSONAL)
    return views.message_view(message)


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
    dependencies=[records(activities.ATTACHMENT_READ)],
)
async def download_attachment(
    message_id: MessageId,
    index: Annotated[int, Path(ge=0, lt=100)],
    citizen: CurrentCitizen,
    mailbox: InboxDep,
) -> StreamingResponse:
    with as_problems():
        file, chunks = await mailbox.attachment(citizen.bsn, message_id, index)
    return views.attachment_download(file, chunks)


@router.put(
    "/messages/{message_id}/folder",
    response_model=views.MessageSummaryView,
    responses={**UNAUTHORIZED, **NOT_FOUND, **GONE, **INVALID},
)
async def move_message(
    message_id: MessageId, body: views.MoveRequest, citizen: CurrentCitizen, mailbox: InboxDep
) -> views.MessageSummaryView:
    """File the message in `inbox`, `archive`, a folder of your own, or `trash` (as DELETE
    does); out of the trash it goes to the folder named."""
    with as_problems():
        message = await mailbox.move(citizen.bsn, message_id, body.folder)
    return views.summary_view(rules.summary_of(message))


@router.delete(
    "/messages/{message_id}",
    status_code=204,
    response_class=Response,
    responses={**UNAUTHORIZED, **NOT_FOUND},
)
async def delete_message(message_id: MessageId, citizen: CurrentCitizen, mailbox: InboxDep) -> None:
    """Puts the message in the trash, from where it can be restored until it expires.
    Deleting again, or a message whose content is gone, changes nothing."""
    with as_problems():
        await mailbox.trash(citizen.bsn, message_id)


@router.post(
    "/messages/{message_id}/restore",
    response_model=views.MessageSummaryView,
    responses={**UNAUTHORIZED, **NOT_FOUND, **GONE},
)
async def restore_message(
    message_id: MessageId, citizen: CurrentCitizen, mailbox: InboxDep
) -> views.MessageSummaryView:
    """Back from the trash to the folder it was deleted from. A message that is not in the
    trash stays where it is."""
    with as_problems():
        message = await mailbox.restore(citizen.bsn, message_id)
    return views.summary_view(rules.summary_of(message))


@router.delete(
    "/messages/{message_id}/content",
    status_code=204,
    response_class=Response,
    responses={**UNAUTHORIZED, **NOT_FOUND, **NOT_IN_TRASH},
)
async def delete_message_for_good(
    message_id: MessageId, citizen: CurrentCitizen, mailbox: InboxDep
) -> None:
    """Deletes a message in the trash for good: subject, body and attachments are removed.
    Sender, dates, the content digest, the receipt and the trail stay. Again: no change."""
    with as_problems():
        await mailbox.delete_for_good(citizen.bsn, message_id)
