"""Login with DigiD, the account check at the first login, and logout."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mijnoverheid.contracts.envelope import utc_now
from portal.accounts import may_have_account
from portal.oidc import LoginError
from portal.sessions import Citizen
from portal.web.context import PortalDep, SessionDep, checked_form
from portal.web.security import local_path

router = APIRouter()
log = logging.getLogger("portal.login")


def _set_cookie(response: Response, portal: PortalDep, raw: str) -> None:
    # SameSite=Lax, not Strict: DigiD's redirect back to /inloggen/terug and a link from the
    # notification e-mail are top-level navigations from another site; with Strict the cookie
    # would not come along and the citizen would seem logged out. Lax still keeps it off
    # cross-site posts, sub-requests and frames; the CSRF token guards every post as well.
    response.set_cookie(
        portal.cookie_name,
        raw,
        httponly=True,
        secure=portal.settings.session_cookie_secure,
        samesite="lax",
        path="/",
    )


@router.get("/inloggen")
async def login(request: Request, portal: PortalDep, session: SessionDep) -> Response:
    if session is not None and session.citizen is not None:
        return RedirectResponse(local_path(request.query_params.get("terug")), 303)
    next_path = local_path(request.query_params.get("terug"))
    url, attempt = await portal.oidc.begin(portal.settings.oidc_min_acr, next_path)
    if session is not None:
        await portal.sessions.end(session)
    raw, _ = await portal.sessions.create(utc_now(), login=attempt)
    response = RedirectResponse(url, 303)
    _set_cookie(response, portal, raw)
    return response


@router.get("/inloggen/terug")
async def callback(request: Request, portal: PortalDep, session: SessionDep) -> Response:
    query = request.query_params
    attempt = session.login if session is not None else None
    if session is None or attempt is None or query.get("state") != attempt.state:
        return _problem(request, portal, "login_expired", 400)
    await portal.sessions.end(session)  # an attempt is used once, whatever the outcome
    if query.get("error"):
        reason = "login_cancelled" if query.get("error") == "access_denied" else "login_failed"
        return _problem(request, portal, reason, 400)
    try:
        identity = await portal.oidc.finish(query.get("code", ""), attempt)
    except LoginError as error:
        log.warning("login failed", extra={"reason": error.reason})
        return _problem(request, portal, "login_failed", 400)
    minimum = portal.settings.oidc_min_acr
    if not identity.level.at_least(minimum):
        log.info("login below the minimum level", extra={"acr": identity.level.label})
        return _problem(request, portal, "acr_too_low", 403, level=minimum.label)
    now = utc_now()
    # Development: the mock's claim. Production: the BRP (not connected yet; fails closed).
    if identity.birthdate is None:
        return _problem(request, portal, "age_unknown", 403)
    if not may_have_account(identity.birthdate, now.astimezone().date()):
        return _problem(request, portal, "under_14", 403)
    await portal.accounts.activate(identity.bsn, now)
    citizen = Citizen(identity.bsn, identity.name, identity.level.value)
    raw, _ = await portal.sessions.create(now, citizen=citizen)  # a new id: no fixation
    log.info("citizen logged in", extra={"acr": identity.level.label})
    response = RedirectResponse(attempt.next_path, 303)
    _set_cookie(response, portal, raw)
    return response


@router.post("/uitloggen")
async def logout(request: Request, portal: PortalDep, session: SessionDep) -> Response:
    await checked_form(request, session)
    assert session is not None
    target = "/uitgelogd"
    if session.citizen is not None:
        ended = await portal.oidc.end_session_url(portal.settings.base_url + "/uitgelogd")
        target = ended or target
    await portal.sessions.end(session)
    response = RedirectResponse(target, 303)
    response.delete_cookie(
        portal.cookie_name,
        path="/",
        secure=portal.settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response


@router.get("/uitgelogd")
async def logged_out(request: Request, portal: PortalDep, session: SessionDep) -> Response:
    return portal.renderer.page(request, "logged_out.html")


def _problem(
    request: Request, portal: PortalDep, reason: str, status: int, **values: str
) -> Response:
    request.state.session = None
    response = portal.renderer.page(request, "problem.html", status, reason=reason, values=values)
    response.delete_cookie(portal.cookie_name, path="/")
    return response
