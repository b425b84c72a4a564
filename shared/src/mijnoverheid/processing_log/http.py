"""The processing log on the citizen APIs: the dependency that records a route's read, and the
citizen's own copy (`GET /api/v1/processing-log`).

A route records with one line in its decorator, `dependencies=[records(MESSAGE_READ)]`: once
the route has its answer, and before that answer is sent, the read is recorded (a read that
cannot be recorded fails with a 500, never goes out unrecorded). An answer that reads
nothing (4xx: not found, not yours, invalid) records nothing; a failure inside the service
(5xx) is recorded with status error.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, params
from fastapi.exceptions import HTTPException, RequestValidationError
from pydantic import BaseModel, Field

from mijnoverheid.api import PERSONAL, UNAUTHORIZED, Page, PagingQuery, page_of
from mijnoverheid.auth import Citizen, CurrentCitizen
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.problems import ProblemError
from mijnoverheid.processing_log.activities import ACTIONS, Action, PartyKind
from mijnoverheid.processing_log.model import Caller, Party, PartyGroup, ProcessingRecord
from mijnoverheid.processing_log.recorder import ProcessingLog

logger = logging.getLogger("mijnoverheid.processing_log")


def processing_log_of(request: Request) -> ProcessingLog:
    log: ProcessingLog = request.app.state.processing_log
    return log


ProcessingLogDep = Annotated[ProcessingLog, Depends(processing_log_of)]


def caller_of(request: Request, citizen: Citizen) -> Caller:
    """The application that called with the citizen's token (its issuer: the portal), and the
    W3C trace context it sent."""
    return Caller(citizen.issuer, request.headers.get("traceparent"))


def _client_error(error: BaseException) -> bool:
    if isinstance(error, ProblemError):
        return error.status < 500
    if isinstance(error, HTTPException):
        return error.status_code < 500
    return isinstance(error, RequestValidationError)


def records(action: Action) -> params.Depends:
    """A route dependency: the citizen's read of their own data, recorded as `action`."""

    async def record_read(
        request: Request, citizen: CurrentCitizen, log: ProcessingLogDep
    ) -> AsyncIterator[None]:
        started_at = utc_now()
        caller = caller_of(request, citizen)
        try:
            yield
        except Exception as error:
            if not _client_error(error):
                try:
                    await log.record(
                        action,
                        [citizen.bsn],
                        Party.citizen(),
                        caller,
                        started_at=started_at,
                        failed=True,
                    )
                except Exception:
                    logger.warning("processing log: a failed read could not be recorded")
            raise
        await log.record(action, [citizen.bsn], Party.citizen(), caller, started_at=started_at)

    # "function": recorded when the route returns, before its answer is sent.
    return params.Depends(record_read, scope="function")


class Label(BaseModel):
    nl: str
    en: str


class ActivityView(BaseModel):
    id: str = Field(description="dpl.core.processing_activity_id: the register's URI")
    code: str
    name: Label
    purpose: Label
    legal_basis: str


class PartyView(BaseModel):
    kind: PartyKind
    oin: str | None = Field(default=None, description="the organisation that read")
    authorisation_id: str | None = Field(
        default=None, description="the authorisation a helper read under"
    )


class RecordView(BaseModel):
    action: str
    label: Label = Field(description="what was done, for people (the span's name)")
    activity: ActivityView
    party: PartyView
    started_at: datetime
    ended_at: datetime
    trace_id: str
    span_id: str
    status: Literal["unset", "error"]


router = APIRouter(prefix="/api/v1", tags=["processing log"])


@router.get("/processing-log", response_model=Page[RecordView], responses=UNAUTHORIZED)
async def own_processing_log(
    request: Request,
    response: Response,
    citizen: CurrentCitizen,
    log: ProcessingLogDep,
    paging: PagingQuery,
    party: Annotated[
        PartyGroup,
        Query(description="`others`: organisations and helpers; `self`: your own reads"),
    ] = PartyGroup.OTHERS,
) -> Page[RecordView]:
    """Who read your personal data in this service, newest first, within the retention
    period (Logboek Dataverwerkingen). Reading this list is not itself recorded."""
    found, total = await log.page(citizen.bsn, party, paging.skip, paging.page_size)
    response.headers.update(PERSONAL)
    return page_of(request, paging, [_view(log, record) for record in found], total)


def _view(log: ProcessingLog, record: ProcessingRecord) -> RecordView:
    action = ACTIONS.get(record.action)
    label = (
        Label(nl=action.label.nl, en=action.label.en)
        if action
        else Label(nl=record.action, en=record.action)
    )
    return RecordView(
        action=record.action,
        label=label,
        activity=_activity(log, record, action),
        party=PartyView(
            kind=record.party.kind,
            oin=record.party.oin,
            authorisation_id=record.party.authorisation_id,
        ),
        started_at=record.started_at,
        ended_at=record.ended_at,
        trace_id=record.trace_id,
        span_id=record.span_id,
        status=record.status.value,
    )


def _activity(log: ProcessingLog, record: ProcessingRecord, action: Action | None) -> ActivityView:
    register = log.register
    if action is None:
        unknown = Label(nl=record.activity, en=record.activity)
        return ActivityView(
            id=register + record.activity,
            code=record.activity,
            name=unknown,
            purpose=unknown,
            legal_basis="",
        )
    activity = action.activity
    return ActivityView(
        id=register + activity.code,
        code=activity.code,
        name=Label(nl=activity.name.nl, en=activity.name.en),
        purpose=Label(nl=activity.purpose.nl, en=activity.purpose.en),
        legal_basis=activity.legal_basis,
    )
