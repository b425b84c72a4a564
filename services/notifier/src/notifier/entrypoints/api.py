"""The citizen's HTTP API for contact details (/api/v1): a citizen only ever reaches their own
(the BSN comes from the token, never from the request)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, EmailStr, Field

from mijnoverheid.api import problem
from mijnoverheid.auth import CurrentCitizen
from mijnoverheid.problems import ProblemError
from mijnoverheid.processing_log import activities
from mijnoverheid.processing_log.http import records
from mijnoverheid.runtime import api_of
from notifier.domain.contact import Contact, Language, Preferences
from notifier.handlers.contacts import ContactRefusedError, ContactService

router = APIRouter(prefix="/api/v1/contact-details", tags=["contact details"])


class PreferencesBody(BaseModel):
    language: Language = Language.NL
    messages: bool = Field(
        default=True, description="new, unread and expiring Berichtenbox messages"
    )
    cases: bool = Field(default=True, description="news about cases (Lopende Zaken)")
    registrations: bool = Field(default=True, description="changes in Persoonlijke Gegevens")


class ContactDetails(BaseModel):
    email: EmailStr | None = Field(description="the verified address notifications go to")
    email_verified: bool
    email_undeliverable: bool = Field(description="it bounced: confirm it again to resume")
    pending_email: EmailStr | None = Field(description="waiting for its code to be confirmed")
    preferences: PreferencesBody


class SetEmail(BaseModel):
    email: EmailStr
    language: Language | None = None


class Confirmation(BaseModel):
    code: str = Field(min_length=8, max_length=20, description="the code from the e-mail")


def _service(request: Request) -> ContactService:
    service: ContactService = api_of(request).contacts
    return service


Service = Annotated[ContactService, Depends(_service)]


def _view(contact: Contact) -> ContactDetails:
    preferences = contact.preferences
    return ContactDetails(
        email=contact.email,
        email_verified=contact.email is not None,
        email_undeliverable=contact.undeliverable,
        pending_email=contact.pending_email,
        preferences=PreferencesBody(
            language=contact.language,
            messages=preferences.messages,
            cases=preferences.cases,
            registrations=preferences.registrations,
        ),
    )


async def _refusals(call: Awaitable[Contact]) -> ContactDetails:
    try:
        contact = await call
    except ContactRefusedError as refused:
        headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
        raise ProblemError(refused.status, refused.title, refused.detail, headers) from refused
    return _view(contact)


@router.get(
    "", response_model=ContactDetails, dependencies=[records(activities.CONTACT_DETAILS_READ)]
)
async def get_contact_details(citizen: CurrentCitizen, service: Service) -> ContactDetails:
    return _view(await service.view(citizen.bsn))


@router.put(
    "",
    response_model=ContactDetails,
    responses={
        **problem(429, "too many confirmation e-mails for this account or address (Retry-After)"),
        **problem(503, "the confirmation e-mail could not be sent; try again"),
    },
)
async def set_email(body: SetEmail, citizen: CurrentCitizen, service: Service) -> ContactDetails:
    """Set or change the address: a code is mailed to it; it is used once confirmed."""
    return await _refusals(service.set_email(citizen.bsn, str(body.email), body.language))


@router.post(
    "/verification",
    response_model=ContactDetails,
    responses={
        **problem(400, "the code is not right"),
        **problem(409, "no address is waiting to be confirmed, or the code was used"),
        **problem(410, "the code has expired or was tried too often: set the address again"),
    },
)
async def confirm_email(
    body: Confirmation, citizen: CurrentCitizen, service: Service
) -> ContactDetails:
    """Confirm the pending address with the code from the e-mail (expires; works once)."""
    return await _refusals(service.confirm(citizen.bsn, body.code))


@router.delete("/email", status_code=204)
async def remove_email(citizen: CurrentCitizen, service: Service) -> Response:
    await service.remove_email(citizen.bsn)
    return Response(status_code=204)


@router.put("/preferences", response_model=ContactDetails)
async def set_preferences(
    body: PreferencesBody, citizen: CurrentCitizen, service: Service
) -> ContactDetails:
    """Switch categories off or on; a message with legal effect is e-mailed regardless."""
    preferences = Preferences(body.messages, body.cases, body.registrations)
    return await _refusals(service.set_preferences(citizen.bsn, body.language, preferences))
