"""The citizen's HTTP API for Lopende Zaken (/api/v1): their own cases, nobody else's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from mijnoverheid.api import Page, PagingQuery, page_of, problem
from mijnoverheid.auth import CurrentCitizen
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.problems import ProblemError
from mijnoverheid.processing_log import activities
from mijnoverheid.processing_log.http import records
from mijnoverheid.runtime import api_of
from zaken.domain.case import Case, ListedCase
from zaken.domain.model import StatusReport
from zaken.ports import CaseQueries

router = APIRouter(prefix="/api/v1", tags=["lopende zaken"])
NOT_FOUND = problem(404, "no such case of this citizen (or it was withdrawn)")


class Status(BaseModel):
    statustype_code: str
    statustype_omschrijving: str
    statustoelichting: str | None = None
    datum_status_gezet: datetime = Field(description="when the status took effect")
    is_eindstatus: bool = Field(description="this status closed the case")


class CaseLinks(BaseModel):
    self: str
    dossier: str = Field(description="the full dossier on the organisation's own website")


class CaseSummary(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    case_id: str
    identificatie: str = Field(description="the organisation's own case number")
    organisation_oin: str
    organisation_name: str
    zaaktype_omschrijving: str
    state: Literal["open", "closed"]
    current_status: Status
    einddatum_gepland: date | None = Field(default=None, description="expected completion")
    links: CaseLinks = Field(alias="_links")


class CaseDetail(CaseSummary):
    history: list[Status] = Field(description="every status once, newest first")


def _cases(request: Request) -> CaseQueries:
    cases: CaseQueries = api_of(request).cases
    return cases


def _registry(request: Request) -> OrganisationRegistry:
    registry: OrganisationRegistry = api_of(request).registry
    return registry


Cases = Annotated[CaseQueries, Depends(_cases)]
Registry = Annotated[OrganisationRegistry, Depends(_registry)]


@router.get(
    "/cases", response_model=Page[CaseSummary], dependencies=[records(activities.CASES_LISTED)]
)
async def list_cases(
    request: Request, citizen: CurrentCitizen, cases: Cases, registry: Registry, paging: PagingQuery
) -> Page[CaseSummary]:
    """The citizen's cases: open first, then closed; newest change first. Paged."""
    shown, total = await cases.listing_page(citizen.bsn, skip=paging.skip, limit=paging.page_size)
    items = [_summary(request, case, registry) for case in shown]
    return page_of(request, paging, items, total)


@router.get(
    "/cases/{case_id}",
    response_model=CaseDetail,
    responses=NOT_FOUND,
    dependencies=[records(activities.CASE_READ)],
)
async def get_case(
    request: Request, case_id: str, citizen: CurrentCitizen, cases: Cases, registry: Registry
) -> CaseDetail:
    """One case with its complete status history and the link to its dossier."""
    case = await cases.case(case_id)
    # Someone else's case, a withdrawn one and an unknown id all look the same: not found.
    if case is None or case.bsn != citizen.bsn or case.withdrawn:
        raise ProblemError(404, "Not Found", "no such case")
    summary = _summary(request, case, registry)
    return CaseDetail(
        **summary.model_dump(by_alias=False, exclude={"links"}),
        links=summary.links,
        history=[_status(report) for report in case.history],
    )


def _summary(
    request: Request, case: Case | ListedCase, registry: OrganisationRegistry
) -> CaseSummary:
    organisation = registry.by_oin(case.organisation_oin)
    return CaseSummary(
        case_id=case.case_id,
        identificatie=case.identificatie,
        organisation_oin=case.organisation_oin,
        organisation_name=organisation.name if organisation else case.organisation_oin,
        zaaktype_omschrijving=case.zaaktype_omschrijving,
        state="closed" if case.current.is_eindstatus else "open",
        current_status=_status(case.current),
        einddatum_gepland=case.einddatum_gepland,
        links=CaseLinks(
            self=str(request.url_for("get_case", case_id=case.case_id)),
            dossier=case.dossier_url,
        ),
    )


def _status(report: StatusReport) -> Status:
    return Status(
        statustype_code=report.statustype_code,
        statustype_omschrijving=report.statustype_omschrijving,
        statustoelichting=report.statustoelichting,
        datum_status_gezet=report.datum_status_gezet,
        is_eindstatus=report.is_eindstatus,
    )
