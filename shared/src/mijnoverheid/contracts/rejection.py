"""Why an inbound event was refused: reason codes shared by every service's rejection event."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, ValidationError
from pydantic_core import PydanticCustomError


class RejectionReason(StrEnum):
    MALFORMED = "malformed"
    UNSUPPORTED_EVENT_TYPE = "unsupported-event-type"
    INVALID_BSN = "invalid-bsn"
    ORGANISATION_NOT_REGISTERED = "organisation-not-registered"
    SERVICE_NOT_ALLOWED = "service-not-allowed"
    BSN_NOT_ALLOWED = "bsn-not-allowed"
    IDENTITY_MISMATCH = "identity-mismatch"
    TOO_LARGE = "too-large"
    TOO_MANY_ATTACHMENTS = "too-many-attachments"
    ATTACHMENT_TYPE_NOT_ALLOWED = "attachment-type-not-allowed"
    EXPIRY_OUT_OF_BOUNDS = "expiry-out-of-bounds"
    URL_NOT_ALLOWED = "url-not-allowed"
    REGISTER_NOT_ALLOWED = "register-not-allowed"


def rejection_error(reason: RejectionReason, text: str) -> PydanticCustomError:
    """A validation error whose type is the reason code (see `reason_of`)."""
    return PydanticCustomError(reason.value, text)


def reason_of(error: ValidationError) -> tuple[RejectionReason, str]:
    """The most specific reason in a validation error, and a text without the input values."""
    codes = {reason.value for reason in RejectionReason}
    details = error.errors(include_input=False, include_url=False)
    for detail in details:
        if detail["type"] in codes:
            return RejectionReason(detail["type"]), _describe(detail)
    return RejectionReason.MALFORMED, "; ".join(_describe(detail) for detail in details[:5])


def _describe(detail: object) -> str:
    assert isinstance(detail, dict)
    location = ".".join(str(part) for part in detail["loc"]) or "event"
    return f"{location}: {detail['msg']}"


class Rejected(BaseModel):
    """The data of every `<service>.<thing>-rejected.<OIN>` event."""

    reason: RejectionReason
    detail: str = Field(description="human-readable explanation, without personal data")
    rejected_event_id: str
    rejected_event_type: str | None = None
