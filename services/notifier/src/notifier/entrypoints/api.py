"""The citizen's HTTP API for contact details (/api/v1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, EmailStr

from mijnoverheid.auth import CurrentCitizen
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.problems import ProblemError
from notifier.adapters.mongo import ContactRepository

router = APIRouter(prefix="/api/v1", tags=["contact details"])


class ContactDetails(BaseModel):
    email: EmailStr
    email_verified: bool


class SetEmail(BaseModel):
    email: EmailStr


def _contacts(request: Request) -> ContactRepository:
    contacts: ContactRepository = request.app.state.contacts
    return contacts


Contacts = Annotated[ContactRepository, Depends(_contacts)]


@router.get("/contact-details", response_model=ContactDetails)
async def get_contact_details(citizen: CurrentCitizen, contacts: Contacts) -> ContactDetails:
    found = await contacts.email_of(citizen.bsn)
    if found is None:
        raise ProblemError(404, "Not Found", "no contact details have been set")
    return ContactDetails(email=found[0], email_verified=found[1])


@router.put("/contact-details", response_model=ContactDetails)
async def set_contact_details(
    body: SetEmail, citizen: CurrentCitizen, contacts: Contacts
) -> ContactDetails:
    # Verification by link or code (double opt-in) comes with the Notifier issue; until then a
    # citizen's own authenticated request counts as verified.
    await contacts.set_verified_email(citizen.bsn, str(body.email), utc_now())
    return ContactDetails(email=body.email, email_verified=True)
