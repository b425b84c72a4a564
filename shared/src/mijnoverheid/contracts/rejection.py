"""Why an inbound event was refused: reason codes shared by every service's rejection event."""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationError
from pydantic_core import PydanticCustomError

from mijnoverheid.kernel import RejectionReason as RejectionReason


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
