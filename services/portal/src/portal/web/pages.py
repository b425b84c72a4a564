"""What the citizen reads: the overview, Lopende Zaken, Persoonlijke Gegevens (the Berichtenbox
is web/berichtenbox.py). Every page reads through the services' citizen APIs with the citizen's
own token."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mijnoverheid.api import MAX_PAGE_SIZE
from portal.backends import BackendError
from portal.web.context import LoggedIn, PortalDep, SessionDep
from portal.web.security import local_path

router = APIRouter()
PAGE_SIZE = 20
DOWNLOAD_HEADERS = ("content-type", "content-disposition", "content-length")


def page_number(request: Request) -> int:
    raw = request.query_params.get("pagina", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10_000 else 1


def not_found(request: Request, portal: PortalDep, error: BackendError) -> Response:
    if error.status in (404, 410):
        reason = "gone" if error.status == 410 else "not_found"
        return portal.renderer.page(request, "problem.html", error.status, reason=reason, values={})
    raise error


@router.get("/")
async def start(request: Request, portal: PortalDep, session: SessionDep) -> Response:
    if session is not None and session.citizen is not None:
        return RedirectResponse("/overzicht", 303)
    return portal.renderer.page(request, "start.html")


@router.get("/taal/{language}")
async def switch_language(language: str, request: Request) -> Response:
    """A preference of the display only (no personal data, no server state): a plain link."""
    response = RedirectResponse(local_path(request.query_params.get("terug"), "/"), 303)
    if language in ("nl", "en"):
        response.set_cookie("lang", language, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


@router.get("/overzicht")
async def overview(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    folders = await portal.backends.berichtenbox.get("/api/v1/folders", citizen.bsn)
    cases = await portal.backends.zaken.get("/api/v1/cases", citizen.bsn, page_size=100)
    return portal.renderer.page(
        request,
        "overview.html",
        activated_at=await portal.accounts.activated_at(citizen.bsn),
        # What is waiting to be read: not what the citizen deleted to the trash.
        unread=sum(f["unread"] for f in folders["folders"] if f["name"] != "trash"),
        open_cases=sum(1 for case in cases["items"] if case["state"] == "open"),
    )


@router.get("/lopende-zaken")
async def cases(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    page = page_number(request)
    found = await portal.backends.zaken.get(
        "/api/v1/cases", citizen.bsn, page=page, page_size=PAGE_SIZE
    )
    return portal.renderer.page(
        request,
        "cases.html",
        cases=found["items"],
        page=page,
        has_next=found["_links"]["next"] is not None,
    )


@router.get("/lopende-zaken/{case_id}")
async def case(case_id: str, request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    try:
        found = await portal.backends.zaken.get(
            f"/api/v1/cases/{quote(case_id, safe='')}", citizen.bsn
        )
    except BackendError as error:
        return not_found(request, portal, error)
    return portal.renderer.page(request, "case.html", case=found)


@router.get("/persoonlijke-gegevens")
async def registrations(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    # One page of the largest size: a citizen has a handful of registrations.
    found = await portal.backends.gegevens.get(
        "/api/v1/registrations", citizen.bsn, page_size=MAX_PAGE_SIZE
    )
    return portal.renderer.page(request, "registrations.html", organisations=found["organisations"])


@router.get("/persoonlijke-gegevens/{registration_id}")
async def registration(
    registration_id: str, request: Request, portal: PortalDep, who: LoggedIn
) -> Response:
    _, citizen = who
    try:
        found = await portal.backends.gegevens.get(
            f"/api/v1/registrations/{quote(registration_id, safe='')}", citizen.bsn
        )
    except BackendError as error:
        return not_found(request, portal, error)
    return portal.renderer.page(request, "registration.html", registration=found)
