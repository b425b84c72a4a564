"""The Berichtenbox pages: folders (unread first), a message, its attachments, the trash with
restore and delete for good, and the proof of delivery with the signed receipt checked here.
Every state change is a form post with the session's CSRF token (works without JavaScript)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from portal.backends import Backend, BackendError
from portal.receipts import check_receipt, public_key_of, stored_digest
from portal.web.context import LoggedIn, PortalDep, checked_form
from portal.web.pages import DOWNLOAD_HEADERS, PAGE_SIZE, not_found, page_number
from portal.web.security import local_path

router = APIRouter()
TRASH = "trash"


def _message_path(message_id: str, suffix: str = "") -> str:
    return f"/api/v1/messages/{quote(message_id, safe='')}{suffix}"


def _message_page(message_id: str) -> str:
    return f"/berichtenbox/bericht/{quote(message_id, safe='')}"


@router.get("/berichtenbox")
async def inbox(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    folder = request.query_params.get("map") or "inbox"
    search = (request.query_params.get("zoek") or "").strip()[:100] or None
    page = page_number(request)
    api = portal.backends.berichtenbox
    try:
        folders = await api.get("/api/v1/folders", citizen.bsn)
        found = await api.get(
            "/api/v1/messages",
            citizen.bsn,
            folder=folder,
            search=search,
            # One paged list, the unread first; the trash in the order things arrived.
            sort="newest" if folder == TRASH else "unread-first",
            page=page,
            page_size=PAGE_SIZE,
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
        messages=found["items"],
        total=found["total"],
        page=page,
        has_next=found["_links"]["next"] is not None,
    )


@router.get("/berichtenbox/bericht/{message_id}")
async def message(message_id: str, request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    api = portal.backends.berichtenbox
    try:
        found = await api.get(_message_path(message_id), citizen.bsn)
        folders = await api.get("/api/v1/folders", citizen.bsn)
    except BackendError as error:
        return not_found(request, portal, error)
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
        return not_found(request, portal, error)
    headers = {k: v for k, v in upstream.headers.items() if k.lower() in DOWNLOAD_HEADERS}
    return StreamingResponse(chunks, headers=headers)


async def _receipt_and_keys(api: Backend, bsn: str, message_id: str) -> tuple[Any, Any]:
    receipt = await api.get(_message_path(message_id, "/receipt"), bsn)
    return receipt, await api.get("/api/v1/receipt-keys", bsn)


@router.get("/berichtenbox/bericht/{message_id}/bewijs")
async def proof(message_id: str, request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    api = portal.backends.berichtenbox
    try:
        trail = await api.get(_message_path(message_id, "/trail"), citizen.bsn)
        receipt, keys = await _receipt_and_keys(api, citizen.bsn, message_id)
    except BackendError as error:
        return not_found(request, portal, error)
    check = check_receipt(receipt, keys, message_id, stored_digest(trail))
    return portal.renderer.page(
        request, "proof.html", trail=trail, message_id=message_id, receipt=check
    )


@router.get("/berichtenbox/bericht/{message_id}/bewijs/{kind}")
async def proof_download(
    message_id: str, kind: str, request: Request, portal: PortalDep, who: LoggedIn
) -> Response:
    """The citizen's own copies: the trail as text to read and as JSON to verify (docs § 2),
    the signed receipt and the public key that verifies it (docs § 7)."""
    _, citizen = who
    api = portal.backends.berichtenbox
    attachment_of = {"Content-Disposition": f'attachment; filename="bewijs-{kind}"'}
    try:
        if kind in ("ontvangstbewijs.json", "sleutel.pem"):
            receipt, keys = await _receipt_and_keys(api, citizen.bsn, message_id)
            if kind == "ontvangstbewijs.json":
                return JSONResponse(receipt, headers=attachment_of)
            key = public_key_of(keys, str(receipt.get("key_id")))
            if key is None:
                return not_found(request, portal, BackendError("berichtenbox", 404))
            return Response(
                key["public_key_pem"], media_type="application/x-pem-file", headers=attachment_of
            )
        suffixes = {"spoor.txt": "/trail.txt", "spoor.json": "/trail"}
        if kind not in suffixes:
            return not_found(request, portal, BackendError("portal", 404))
        upstream, chunks = await api.stream(_message_path(message_id, suffixes[kind]), citizen.bsn)
    except BackendError as error:
        return not_found(request, portal, error)
    return StreamingResponse(
        chunks,
        media_type=upstream.headers.get("content-type", "application/octet-stream"),
        headers=attachment_of,
    )


async def _change(
    request: Request,
    portal: PortalDep,
    who: LoggedIn,
    method: str,
    path: str,
    back: str,
    folder: bool = False,
) -> Response:
    """One state change for a form post: CSRF checked, then the Berichtenbox's answer; back to
    the page the form names (a local path only) or to `back`."""
    session, citizen = who
    form = await checked_form(request, session)
    body = {"folder": (form.get("eigen_map") or form.get("map") or "").strip()} if folder else None
    try:
        await portal.backends.berichtenbox.call(method, path, citizen.bsn, json=body)
    except BackendError as error:
        if error.status in (400, 409):
            reason = "bad_folder" if error.status == 400 else "not_in_trash"
            return portal.renderer.page(
                request, "problem.html", error.status, reason=reason, values={}
            )
        return not_found(request, portal, error)
    return RedirectResponse(local_path(form.get("terug"), back), 303)


@router.post("/berichtenbox/bericht/{message_id}/map")
async def move(message_id: str, request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    path, back = _message_path(message_id, "/folder"), _message_page(message_id)
    return await _change(request, portal, who, "PUT", path, back, folder=True)


@router.post("/berichtenbox/bericht/{message_id}/verwijderen")
async def delete(message_id: str, request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    """To the trash (the Berichtenbox keeps it there, restorable)."""
    path = _message_path(message_id)
    return await _change(request, portal, who, "DELETE", path, "/berichtenbox?map=trash")


@router.post("/berichtenbox/bericht/{message_id}/terugzetten")
async def restore(message_id: str, request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    path = _message_path(message_id, "/restore")
    return await _change(request, portal, who, "POST", path, _message_page(message_id))


@router.post("/berichtenbox/bericht/{message_id}/definitief-verwijderen")
async def delete_for_good(
    message_id: str, request: Request, portal: PortalDep, who: LoggedIn
) -> Response:
    path = _message_path(message_id, "/content")
    return await _change(request, portal, who, "DELETE", path, "/berichtenbox?map=trash")
