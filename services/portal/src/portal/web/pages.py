"""What the citizen reads: the overview, the Berichtenbox, Lopende Zaken, Persoonlijke Gegevens.
Every page reads through the services' citizen APIs with the citizen's own token."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from mijnoverheid.api import MAX_PAGE_SIZE
from portal.backends import BackendError
from portal.web.context import LoggedIn, PortalDep, SessionDep, checked_form
from portal.web.security import local_path

router = APIRouter()
PAGE_SIZE = 20
DOWNLOAD_HEADERS = ("content-type", "content-disposition", "content-length")


def _page_number(request: Request) -> int:
    raw = request.query_params.get("pagina", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10_000 else 1


def _not_found(request: Request, portal: PortalDep, error: BackendError) -> Response:
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
        unread=sum(folder["unread"] for folder in folders["folders"]),
        open_cases=sum(1 for case in cases["items"] if case["state"] == "open"),
    )


@router.get("/berichtenbox")
async def inbox(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    folder = request.query_params.get("map") or "inbox"
    search = (request.query_params.get("zoek") or "").strip()[:100] or None
    page = _page_number(request)
    api = portal.backends.berichtenbox
    try:
        folders = await api.get("/api/v1/folders", citizen.bsn)
        common: dict[str, Any] = {"folder": folder, "search": search}
        # Unread first: the API orders by delivery only, so the unread ones come in their own
        # list above the read ones (which are paged).
        unread = await api.get(
            "/api/v1/messages", citizen.bsn, unread="true", page_size=100, **common
        )
        read = await api.get(
            "/api/v1/messages",
            citizen.bsn,
            unread="false",
            page=page,
            page_size=PAGE_SIZE,
            **common,
        )
    except BackendError as error:
        if error.status == 400:
            return portal.renderer.page(
                request, "problem.html", 400, reason="bad_search", values={}
            )
        raise
    return portal.renderer.page(
        request,
        "berichtenbox.html",
        folders=folders["folders"],
        folder=folder,
        search=search or "",
        unread=unread["items"],
        read=read["items"],
        page=page,
        has_next=read["_links"]["next"] is not None,
    )


def _message_path(message_id: str, suffix: str = "") -> str:
    return f"/api/v1/messages/{quote(message_id, safe='')}{suffix}"


@router.get("/berichtenbox/bericht/{message_id}")
async def message(message_id: str, request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    api = portal.backends.berichtenbox
    try:
        found = await api.get(_message_path(message_id), citizen.bsn)
        folders = await api.get("/api/v1/folders", citizen.bsn)
    except BackendError as error:
        return _not_found(request, portal, error)
    return portal.renderer.page(request, "message.html", message=found, folders=folders["folders"])


@router.get("/berichtenbox/bericht/{message_id}/bijlage/{index}")
async def attachment(
    message_id: str, index: int, request: Request, portal: PortalDep, who: LoggedIn
) -> Response:
    _, citizen = who
    try:
        upstream, chunks = await portal.backends.berichtenbox.stream(
            _message_path(message_id, f"/attachments/{index}"), citizen.bsn
        )
    except BackendError as error:
        return _not_found(request, portal, error)
    headers = {k: v for k, v in upstream.headers.items() if k.lower() in DOWNLOAD_HEADERS}
    return StreamingResponse(chunks, headers=headers)


@router.get("/berichtenbox/bericht/{message_id}/bewijs")
async def proof(message_id: str, request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    try:
        trail = await portal.backends.berichtenbox.get(
            _message_path(message_id, "/trail"), citizen.bsn
        )
    except BackendError as error:
        return _not_found(request, portal, error)
    return portal.renderer.page(request, "proof.html", trail=trail, message_id=message_id)


@router.get("/berichtenbox/bericht/{message_id}/bewijs/{kind}")
async def proof_download(
    message_id: str, kind: str, request: Request, portal: PortalDep, who: LoggedIn
) -> Response:
    """The citizen's own copy of the trail: as text to read, as JSON to verify (docs § 2)."""
    _, citizen = who
    suffixes = {"spoor.txt": "/trail.txt", "spoor.json": "/trail"}
    if kind not in suffixes:
        return portal.renderer.page(request, "problem.html", 404, reason="not_found", values={})
    try:
        upstream, chunks = await portal.backends.berichtenbox.stream(
            _message_path(message_id, suffixes[kind]), citizen.bsn
        )
    except BackendError as error:
        return _not_found(request, portal, error)
    return StreamingResponse(
        chunks,
        media_type=upstream.headers.get("content-type", "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="bewijs-{kind}"'},
    )


@router.post("/berichtenbox/bericht/{message_id}/map")
async def move(message_id: str, request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    session, citizen = who
    form = await checked_form(request, session)
    folder = (form.get("eigen_map") or form.get("map") or "").strip()
    try:
        await portal.backends.berichtenbox.call(
            "PUT", _message_path(message_id, "/folder"), citizen.bsn, json={"folder": folder}
        )
    except BackendError as error:
        if error.status == 400:
            return portal.renderer.page(
                request, "problem.html", 400, reason="bad_folder", values={}
            )
        return _not_found(request, portal, error)
    return RedirectResponse(f"/berichtenbox/bericht/{quote(message_id, safe='')}", 303)


@router.post("/berichtenbox/bericht/{message_id}/verwijderen")
async def delete(message_id: str, request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    session, citizen = who
    await checked_form(request, session)
    try:
        await portal.backends.berichtenbox.call("DELETE", _message_path(message_id), citizen.bsn)
    except BackendError as error:
        return _not_found(request, portal, error)
    return RedirectResponse("/berichtenbox", 303)


@router.get("/lopende-zaken")
async def cases(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    page = _page_number(request)
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
        return _not_found(request, portal, error)
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
        return _not_found(request, portal, error)
    return portal.renderer.page(request, "registration.html", registration=found)
