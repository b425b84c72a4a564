"""Machtigen over HTTP (/api/v1/grants): the token's BSN is the helper's.

A grant that is not the helper's (or does not exist) is 404, like a message in it that the
grant does not cover (another organisation's, someone else's, in the owner's trash): nothing
is revealed. The helper's own grant that was withdrawn or has ended is 403. Opening a message
or downloading an attachment is recorded in the message's trail first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from berichtenbox.domain.grants import Grant, GrantEndedError, GrantNotFoundError, GrantState
from berichtenbox.entrypoints import citizen_views
from berichtenbox.entrypoints import grant_views as views
from berichtenbox.entrypoints.citizen_routes import GONE, MessageId, as_problems
from berichtenbox.handlers.grants import HelperMailbox
from mijnoverheid.api import INVALID, PERSONAL, UNAUTHORIZED, Page, PagingQuery, page_of, problem
from mijnoverheid.auth import Citizen, CurrentCitizen
from mijnoverheid.problems import ProblemError
from mijnoverheid.processing_log import activities
from mijnoverheid.processing_log.http import ProcessingLogDep, caller_of
from mijnoverheid.processing_log.model import Party
from mijnoverheid.runtime import api_of

router = APIRouter(prefix=citizen_views.PREFIX, tags=["grants"])

GRANT_NOT_FOUND = problem(404, "no such grant of yours, or no such message in it")
GRANT_ENDED = problem(403, "your grant was withdrawn by the owner or has ended")
ENDED_DETAIL = {
    GrantState.WITHDRAWN: "the owner withdrew this grant: you can no longer read their post",
    GrantState.EXPIRED: "this grant has ended: you can no longer read the owner's post",
}


def _helper(request: Request) -> HelperMailbox:
    helper: HelperMailbox = api_of(request).helper
    return helper


def _names(request: Request) -> dict[str, str]:
    names: dict[str, str] = api_of(request).organisation_names
    return names


HelperDep = Annotated[HelperMailbox, Depends(_helper)]
NamesDep = Annotated[dict[str, str], Depends(_names)]
GrantId = Annotated[str, Path(min_length=1, max_length=100)]


async def record_helper_read(
    log: ProcessingLogDep,
    request: Request,
    citizen: Citizen,
    action: activities.Action,
    grant: Grant,
) -> None:
    """The owner's data read by the helper: recorded before it is answered (Logboek
    Dataverwerkingen), with the owner as data subject and the helper known by the grant only."""
    await log.record(
        action, [grant.owner_bsn], Party.helper(grant.grant_id), caller_of(request, citizen)
    )


@contextlib.contextmanager
def grant_problems() -> Iterator[None]:
    with as_problems():
        try:
            yield
        except GrantNotFoundError as error:
            raise ProblemError(404, "Not Found", "there is no such grant of yours") from error
        except GrantEndedError as error:
            raise ProblemError(403, "Forbidden", ENDED_DETAIL[error.state]) from error


@router.get("/grants", response_model=views.GrantList, responses=UNAUTHORIZED)
async def list_grants(
    citizen: CurrentCitizen, helper: HelperDep, names: NamesDep, response: Response
) -> views.GrantList:
    """The grants that let you read someone else's post, as long as they hold."""
    response.headers.update(PERSONAL)
    grants = await helper.grants_of(citizen.bsn)
    return views.GrantList(grants=[views.grant_view(grant, names) for grant in grants])


@router.get(
    "/grants/{grant_id}",
    response_model=views.GrantView,
    responses={**UNAUTHORIZED, **GRANT_NOT_FOUND, **GRANT_ENDED},
)
async def get_grant(
    grant_id: GrantId,
    citizen: CurrentCitizen,
    helper: HelperDep,
    names: NamesDep,
    response: Response,
) -> views.GrantView:
    with grant_problems():
        grant = await helper.grant(citizen.bsn, grant_id)
    response.headers.update(PERSONAL)
    return views.grant_view(grant, names)


@router.get(
    "/grants/{grant_id}/messages",
    response_model=Page[views.GrantMessageSummaryView],
    responses={**UNAUTHORIZED, **INVALID, **GRANT_NOT_FOUND, **GRANT_ENDED},
)
async def list_grant_messages(
    grant_id: GrantId,
    request: Request,
    response: Response,
    citizen: CurrentCitizen,
    helper: HelperDep,
    paging: PagingQuery,
    sender_oin: Annotated[
        str | None, Query(pattern=r"^[0-9]{20}$", description="only from this granted sender")
    ] = None,
) -> Page[views.GrantMessageSummaryView]:
    """The owner's messages from the organisations the grant names, newest first, without
    content (no subject, no body); nothing from the owner's trash. Not recorded as a view."""
    with grant_problems():
        grant, items, total = await helper.listing(
            citizen.bsn, grant_id, sender_oin, skip=paging.skip, limit=paging.page_size
        )
    response.headers.update(PERSONAL)
    return page_of(request, paging, [views.summary_view(grant, item) for item in items], total)


@router.get(
    "/grants/{grant_id}/messages/{message_id}",
    response_model=views.GrantMessageView,
    responses={**UNAUTHORIZED, **GRANT_NOT_FOUND, **GRANT_ENDED},
)
async def read_grant_message(
    grant_id: GrantId,
    message_id: MessageId,
    request: Request,
    citizen: CurrentCitizen,
    helper: HelperDep,
    log: ProcessingLogDep,
    response: Response,
) -> views.GrantMessageView:
    """The owner's message with its content. Recorded in its trail as a view through this
    grant, and in the owner's processing log; it does not mark the message read and does not
    tell the sender."""
    with grant_problems():
        grant, message = await helper.open(citizen.bsn, grant_id, message_id)
    await record_helper_read(log, request, citizen, activities.HELPER_MESSAGE_READ, grant)
    response.headers.update(PERSONAL)
    return views.message_view(grant, message)


@router.get(
    "/grants/{grant_id}/messages/{message_id}/attachments/{index}",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "the file",
            "content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}},
        },
        **UNAUTHORIZED,
        **GRANT_NOT_FOUND,
        **GRANT_ENDED,
        **GONE,
    },
)
async def download_grant_attachment(
    grant_id: GrantId,
    message_id: MessageId,
    index: Annotated[int, Path(ge=0, lt=100)],
    request: Request,
    citizen: CurrentCitizen,
    helper: HelperDep,
    log: ProcessingLogDep,
) -> StreamingResponse:
    """Recorded in the message's trail as a view through this grant, and in the owner's
    processing log, before it is sent."""
    with grant_problems():
        grant, file, chunks = await helper.attachment(citizen.bsn, grant_id, message_id, index)
    await record_helper_read(log, request, citizen, activities.HELPER_ATTACHMENT_READ, grant)
    return citizen_views.attachment_download(file, chunks)
