"""Machtigingen, the helper's side: someone else's post, in a view of its own, marked as
theirs on every page. Everything is read from the Berichtenbox's grant routes with the
helper's own token, so the Berichtenbox decides what the grant covers and records each view
in the message's trail. The portal's own record of the grant is checked first, so that a
withdrawal takes effect at the very next click, before the Berichtenbox has heard of it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from mijnoverheid.contracts.envelope import utc_now
from portal.backends import BackendError
from portal.grants import GivenGrant
from portal.web.context import LoggedIn, Portal, PortalDep
from portal.web.pages import DOWNLOAD_HEADERS, PAGE_SIZE, not_found, page_number

router = APIRouter()


def _api_path(grant_id: str, suffix: str) -> str:
    return f"/api/v1/grants/{quote(grant_id, safe='')}{suffix}"


def _message_suffix(message_id: str, rest: str = "") -> str:
    return f"/messages/{quote(message_id, safe='')}{rest}"


def _banner(portal: Portal, grant: GivenGrant) -> dict[str, Any]:
    """What the pages say of the grant, from the portal's own record of it (just read): asking
    the Berichtenbox for it too would be one more call per page for the same facts."""
    names = portal.registry.names()
    return {
        "grant_id": grant.grant_id,
        "owner_name": grant.owner_name,
        "organisations": [
            {"oin": oin, "name": names.get(oin, oin)} for oin in grant.organisation_oins
        ],
        "valid_until": grant.valid_until,
    }


def _ended(request: Request, portal: Portal, owner_name: str) -> Response:
    return portal.renderer.page(
        request, "problem.html", 403, reason="grant_ended", values={"owner": owner_name}
    )


def _refused(request: Request, portal: Portal, grant: GivenGrant, error: BackendError) -> Response:
    if error.status == 403:  # the Berichtenbox heard of the withdrawal or the end
        return _ended(request, portal, grant.owner_name)
    return not_found(request, portal, error)


async def _helpers_grant(
    request: Request, portal: Portal, grant_id: str, helper_bsn: str
) -> GivenGrant | Response:
    grant = await portal.grants.grant(grant_id[:100])
    if grant is None or grant.helper_bsn != helper_bsn:
        return portal.renderer.page(request, "problem.html", 404, reason="not_found", values={})
    if not grant.active(utc_now()):
        return _ended(request, portal, grant.owner_name)
    return grant


@router.get("/machtigingen/{grant_id}/berichten")
async def messages(grant_id: str, request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    grant = await _helpers_grant(request, portal, grant_id, citizen.bsn)
    if isinstance(grant, Response):
        return grant
    api, page = portal.backends.berichtenbox, page_number(request)
    try:
        found = await api.get(
            _api_path(grant_id, "/messages"), citizen.bsn, page=page, page_size=PAGE_SIZE
        )
    except BackendError as error:
        return _refused(request, portal, grant, error)
    return portal.renderer.page(
        request,
        "grant_messages.html",
        grant=_banner(portal, grant),
        messages=found["items"],
        total=found["total"],
        page=page,
        has_next=found["_links"]["next"] is not None,
    )


@router.get("/machtigingen/{grant_id}/bericht/{message_id}")
async def message(
    grant_id: str, message_id: str, request: Request, portal: PortalDep, who: LoggedIn
) -> Response:
    _, citizen = who
    grant = await _helpers_grant(request, portal, grant_id, citizen.bsn)
    if isinstance(grant, Response):
        return grant
    path = _api_path(grant_id, _message_suffix(message_id))
    try:
        found = await portal.backends.berichtenbox.get(path, citizen.bsn)
    except BackendError as error:
        return _refused(request, portal, grant, error)
    banner = _banner(portal, grant)
    return portal.renderer.page(request, "grant_message.html", grant=banner, message=found)


@router.get("/machtigingen/{grant_id}/bericht/{message_id}/bijlage/{index}")
async def attachment(
    grant_id: str, message_id: str, index: int, request: Request, portal: PortalDep, who: LoggedIn
) -> Response:
    _, citizen = who
    grant = await _helpers_grant(request, portal, grant_id, citizen.bsn)
    if isinstance(grant, Response):
        return grant
    path = _api_path(grant_id, _message_suffix(message_id, f"/attachments/{index}"))
    try:
        upstream, chunks = await portal.backends.berichtenbox.stream(path, citizen.bsn)
    except BackendError as error:
        return _refused(request, portal, grant, error)
    headers = {k: v for k, v in upstream.headers.items() if k.lower() in DOWNLOAD_HEADERS}
    return StreamingResponse(chunks, headers=headers)
