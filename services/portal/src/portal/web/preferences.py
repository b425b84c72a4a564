"""Settings: the e-mail address (double opt-in through the Notifier), e-mail language and
categories, and digital consent per organisation (recorded in the portal as proof)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mijnoverheid.contracts.envelope import utc_now
from portal.backends import BackendError
from portal.web.context import LoggedIn, PortalDep, checked_form

router = APIRouter()
CONTACT = "/api/v1/contact-details"


@router.get("/instellingen")
async def settings_page(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    contact = await portal.backends.notifier.get(CONTACT, citizen.bsn)
    consents = await portal.accounts.consents(citizen.bsn)
    organisations = [org for org in portal.registry.organisations if "berichtenbox" in org.services]
    return portal.renderer.page(
        request,
        "settings.html",
        contact=contact,
        organisations=organisations,
        consents=consents,
        history=await portal.accounts.consent_history(citizen.bsn),
        names=portal.registry.names(),
        activated_at=await portal.accounts.activated_at(citizen.bsn),
        done=request.query_params.get("klaar", ""),
    )


async def _contact_call(
    request: Request, portal: PortalDep, bsn: str, method: str, path: str, body: object = None
) -> Response | None:
    try:
        await portal.backends.notifier.call(method, CONTACT + path, bsn, json=body)
    except BackendError as error:
        if error.status in (400, 409, 410, 422, 429, 503):
            status = 429 if error.status == 429 else 400
            return portal.renderer.page(
                request, "problem.html", status, reason=f"contact_{error.status}", values={}
            )
        raise
    return None


@router.post("/instellingen/e-mail")
async def set_email(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    session, citizen = who
    form = await checked_form(request, session)
    refused = await _contact_call(
        request, portal, citizen.bsn, "PUT", "", {"email": form.get("email", "").strip()}
    )
    return refused or RedirectResponse("/instellingen?klaar=e-mail", 303)


@router.post("/instellingen/e-mail/verwijderen")
async def remove_email(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    session, citizen = who
    await checked_form(request, session)
    refused = await _contact_call(request, portal, citizen.bsn, "DELETE", "/email")
    return refused or RedirectResponse("/instellingen?klaar=verwijderd", 303)


@router.post("/instellingen/meldingen")
async def set_preferences(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    session, citizen = who
    form = await checked_form(request, session)
    body = {
        "language": "en" if form.get("taal") == "en" else "nl",
        "messages": "berichten" in form,
        "cases": "zaken" in form,
        "registrations": "gegevens" in form,
    }
    refused = await _contact_call(request, portal, citizen.bsn, "PUT", "/preferences", body)
    return refused or RedirectResponse("/instellingen?klaar=meldingen", 303)


@router.get("/contactgegevens/bevestigen")
async def confirm_page(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    """The link in the verification e-mail. A GET changes nothing (mail scanners open links):
    the page posts the code when the citizen presses the button."""
    code = request.query_params.get("code", "")[:20]
    return portal.renderer.page(request, "confirm.html", code=code)


@router.post("/contactgegevens/bevestigen")
async def confirm(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    session, citizen = who
    form = await checked_form(request, session)
    refused = await _contact_call(
        request,
        portal,
        citizen.bsn,
        "POST",
        "/verification",
        {"code": form.get("code", "").strip().upper()},
    )
    return refused or RedirectResponse("/instellingen?klaar=bevestigd", 303)


@router.post("/instellingen/toestemming")
async def consent(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    session, citizen = who
    form = await checked_form(request, session)
    oin = form.get("oin", "")
    organisation = portal.registry.by_oin(oin)
    if organisation is None or "berichtenbox" not in organisation.services:
        return portal.renderer.page(request, "problem.html", 404, reason="not_found", values={})
    digital = form.get("digitaal") == "aan"
    await portal.accounts.change_consent(citizen.bsn, oin, digital, utc_now())
    return RedirectResponse("/instellingen?klaar=toestemming#toestemming", 303)
