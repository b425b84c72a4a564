"""The citizen's HTTP API for Persoonlijke Gegevens (/api/v1): read-only, own data only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from gegevens.entrypoints import views
from gegevens.ports import RegistrationQueries
from mijnoverheid.api import PagingQuery, page_of, problem
from mijnoverheid.auth import CurrentCitizen
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.problems import ProblemError
from mijnoverheid.processing_log import activities
from mijnoverheid.processing_log.http import records
from mijnoverheid.runtime import api_of

router = APIRouter(prefix="/api/v1", tags=["persoonlijke gegevens"])
_NOT_FOUND = problem(404, "no such registration of this citizen (or it was removed)")


def _registrations(request: Request) -> RegistrationQueries:
    registrations: RegistrationQueries = api_of(request).registrations
    return registrations


def _registry(request: Request) -> OrganisationRegistry:
    registry: OrganisationRegistry = api_of(request).registry
    return registry


Registrations = Annotated[RegistrationQueries, Depends(_registrations)]
Registry = Annotated[OrganisationRegistry, Depends(_registry)]


def _linker(request: Request) -> views.Link:
    def link(registration_id: str) -> str:
        return str(request.url_for("get_registration", registration_id=registration_id))

    return link


@router.get(
    "/registrations",
    response_model=views.Overview,
    dependencies=[records(activities.REGISTRATIONS_LISTED)],
)
async def list_registrations(
    request: Request,
    citizen: CurrentCitizen,
    registrations: Registrations,
    registry: Registry,
    paging: PagingQuery,
) -> views.Overview:
    """How the citizen is registered, grouped by organisation and register (by name), paged by
    registration: a group that crosses a page boundary continues on the next page. Removed
    registrations are not shown. Only the page's registrations are read with their facts."""
    listed = views.in_overview_order(await registrations.listed_for(citizen.bsn), registry)
    shown = listed[paging.skip : paging.skip + paging.page_size]
    versions = await registrations.versions_of(shown)
    return views.overview(
        versions, registry, _linker(request), page_of(request, paging, shown, len(listed))
    )


@router.get(
    "/registrations/{registration_id}",
    response_model=views.RegistrationDetail,
    responses=_NOT_FOUND,
    dependencies=[records(activities.REGISTRATION_READ)],
)
async def get_registration(
    request: Request,
    registration_id: Annotated[str, Path(max_length=100)],
    citizen: CurrentCitizen,
    registrations: Registrations,
    registry: Registry,
) -> views.RegistrationDetail:
    """One registration with its facts. Another citizen's is "not found", as is a removed one:
    the answer never tells whether an id exists."""
    version = await registrations.visible(registration_id, citizen.bsn)
    if version is None:
        raise ProblemError(404, "Not Found", "no such registration")
    return views.detail(version, registry, _linker(request))
