"""Machtigingen, the owner's side: give a grant (the helper named by BSN in the form, never in a
URL, and checked against the accounts), see every grant with its times (the proof), withdraw
one at once. The same page lists the grants the citizen received, from the Berichtenbox."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mijnoverheid.contracts.envelope import utc_now
from portal.grant_form import GrantFormError, parse_grant_form, today_in_the_netherlands
from portal.web.context import LoggedIn, Portal, PortalDep, checked_form

router = APIRouter()
PAGE = "/machtigingen"
DONE = ("gegeven", "ingetrokken")


def post_organisations(portal: Portal) -> list[Any]:
    """The organisations a grant can name: those that send post through the Berichtenbox."""
    return [org for org in portal.registry.organisations if "berichtenbox" in org.services]


async def received_grants(portal: Portal, helper_bsn: str) -> list[dict[str, Any]]:
    """The grants the Berichtenbox lets this citizen read through; one the owner withdrew a
    moment ago is left out at once (the portal's own record), before the Berichtenbox hears."""
    found = await portal.backends.berichtenbox.get("/api/v1/grants", helper_bsn)
    now = utc_now()
    holding = []
    for grant in found["grants"]:
        own = await portal.grants.grant(grant["grant_id"])
        if own is not None and own.helper_bsn == helper_bsn and own.active(now):
            holding.append(grant)
    return holding


@router.get(PAGE)
async def grants_page(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    done = request.query_params.get("klaar", "")
    return portal.renderer.page(
        request,
        "grants.html",
        given=await portal.grants.given_by(citizen.bsn),
        received=await received_grants(portal, citizen.bsn),
        organisations=post_organisations(portal),
        names=portal.registry.names(),
        now=utc_now(),
        today=today_in_the_netherlands(utc_now()).isoformat(),
        done=done if done in DONE else "",
    )


@router.post(PAGE)
async def give(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    session, citizen = who
    form = await checked_form(request, session)
    oins = [org.oin for org in post_organisations(portal)]
    try:
        grant = parse_grant_form(form, citizen.bsn, oins, utc_now())
    except GrantFormError as error:
        return portal.renderer.page(request, "problem.html", 400, reason=error.reason, values={})
    if await portal.accounts.activated_at(grant.helper_bsn) is None:
        # The helper must have logged in to MijnOverheid once (and be 14 or older).
        return portal.renderer.page(
            request, "problem.html", 400, reason="grant_no_account", values={}
        )
    await portal.grants.give(citizen.bsn, grant, utc_now())
    return RedirectResponse(f"{PAGE}?klaar=gegeven", 303)


@router.post(PAGE + "/{grant_id}/intrekken")
async def withdraw(grant_id: str, request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    session, citizen = who
    await checked_form(request, session)
    if not await portal.grants.withdraw(citizen.bsn, grant_id[:100], utc_now()):
        return portal.renderer.page(request, "problem.html", 404, reason="not_found", values={})
    return RedirectResponse(f"{PAGE}?klaar=ingetrokken", 303)
