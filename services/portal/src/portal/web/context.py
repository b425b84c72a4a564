"""The portal's composition root as one typed object, and what every route asks of a request:
its session, the logged-in citizen, a form with a valid CSRF token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.forms import FormError, read_form
from mijnoverheid.identity import OrganisationRegistry
from portal.accounts import Accounts
from portal.backends import Backends, start_page_trace
from portal.grants import Grants
from portal.oidc import OidcClient
from portal.sessions import Citizen, Session, SessionStore, csrf_matches
from portal.settings import PortalSettings
from portal.web.render import Renderer


@dataclass
class Portal:
    settings: PortalSettings
    sessions: SessionStore
    accounts: Accounts
    grants: Grants
    oidc: OidcClient
    backends: Backends
    registry: OrganisationRegistry
    renderer: Renderer

    @property
    def cookie_name(self) -> str:
        # __Host-: only over https, only for this host, path / (no subdomain can set it).
        return "__Host-session" if self.settings.session_cookie_secure else "session"


class LoginRequiredError(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class RefusedError(Exception):
    """A state change without a valid CSRF token or form: answered 403, nothing changed."""


def portal_of(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


PortalDep = Annotated[Portal, Depends(portal_of)]


async def current_session(request: Request, portal: PortalDep) -> Session | None:
    now = utc_now()
    session = await portal.sessions.find(request.cookies.get(portal.cookie_name), now)
    if session is not None:
        await portal.sessions.touch(session, now)
    request.state.session = session
    return session


SessionDep = Annotated[Session | None, Depends(current_session)]


async def logged_in(request: Request, session: SessionDep) -> tuple[Session, Citizen]:
    start_page_trace()  # the services this page calls see one trace
    if session is None or session.citizen is None:
        # Back to the same page after login, query included (the code of a confirmation link).
        query = f"?{request.url.query}" if request.url.query else ""
        target = request.url.path + query if request.method == "GET" else "/overzicht"
        raise LoginRequiredError(target)
    return session, session.citizen


LoggedIn = Annotated[tuple[Session, Citizen], Depends(logged_in)]


async def checked_form(request: Request, session: Session | None) -> dict[str, str]:
    """Every state change is a form post that carries the session's CSRF token."""
    if session is None:
        raise RefusedError("no session")
    try:
        form = await read_form(request)
    except FormError as error:
        raise RefusedError(str(error)) from error
    if not csrf_matches(session, form.get("csrf_token")):
        raise RefusedError("missing or wrong CSRF token")
    return form
