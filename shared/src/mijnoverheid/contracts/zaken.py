"""Public events of Lopende Zaken, in the vocabulary of the ZGW APIs where it fits.

Field names follow ZGW (zaak `identificatie`, zaaktype `omschrijving`, status `datumStatusGezet`,
statustype `isEindstatus`, ...) in snake_case; docs/zaken.md gives the mapping. Validators raise
`rejection_error`, so the sender is told the specific reason an event was refused.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Final
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from mijnoverheid.contracts.envelope import Moment
from mijnoverheid.contracts.rejection import Rejected, RejectionReason, rejection_error
from mijnoverheid.identity import is_valid_bsn

SERVICE: Final = "zaken"

MAX_IDENTIFICATIE_CHARS = 40  # ZGW zaak.identificatie
MAX_OMSCHRIJVING_CHARS = 80  # ZGW zaaktype.omschrijving, statustype.omschrijving
MAX_TOELICHTING_CHARS = 1000  # ZGW status.statustoelichting
MAX_URL_CHARS = 2000
MAX_REQUESTED_CASES = 100


def _bsn(value: str) -> str:
    if not is_valid_bsn(value):
        raise rejection_error(RejectionReason.INVALID_BSN, "bsn is not a valid BSN")
    return value


def _text(limit: int, field: str) -> AfterValidator:
    """Printable, trimmed text of at most `limit` characters (longer is `too-large`)."""

    def check(value: str) -> str:
        if len(value) > limit:
            raise rejection_error(
                RejectionReason.TOO_LARGE, f"{field} is longer than {limit} characters"
            )
        if not value.isprintable() or value != value.strip():
            raise ValueError(f"{field} must be printable text without surrounding spaces")
        return value

    return AfterValidator(check)


def _https_url(value: str) -> str:
    """Only a plain https link; whether its host is the organisation's is checked on receipt."""
    if len(value) > MAX_URL_CHARS:
        raise rejection_error(RejectionReason.TOO_LARGE, f"longer than {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise rejection_error(RejectionReason.URL_NOT_ALLOWED, "not a URL") from error
    if (
        parts.scheme != "https"
        or not parts.hostname
        or parts.username is not None
        or port not in (None, 443)
        or any(character.isspace() or not character.isprintable() for character in value)
    ):
        raise rejection_error(
            RejectionReason.URL_NOT_ALLOWED,
            "must be an https URL, without credentials or a port other than 443",
        )
    return value


Identificatie = Annotated[
    str,
    Field(min_length=1, description="the organisation's own case identifier (zaak.identificatie)"),
    _text(MAX_IDENTIFICATIE_CHARS, "identificatie"),
]
Omschrijving = Annotated[str, Field(min_length=1), _text(MAX_OMSCHRIJVING_CHARS, "omschrijving")]
StatustypeCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="stable code of the status type within the zaaktype",
    ),
    _text(MAX_OMSCHRIJVING_CHARS, "statustype_code"),
]
Toelichting = Annotated[str, Field(min_length=1), _text(MAX_TOELICHTING_CHARS, "toelichting")]


class CaseStatusChanged(BaseModel):
    """`zaken.case-status-changed.<OIN>`: a case of a citizen got a status."""

    model_config = ConfigDict(extra="forbid")

    identificatie: Identificatie
    bsn: Annotated[str, AfterValidator(_bsn)] = Field(
        description="the citizen the case is about (rol betrokkene, inpBsn)"
    )
    zaaktype_omschrijving: Omschrijving
    statustype_code: StatustypeCode
    statustype_omschrijving: Omschrijving
    statustoelichting: Toelichting | None = None
    datum_status_gezet: Moment = Field(description="when the status took effect")
    is_eindstatus: bool = Field(description="this status closes the case")
    dossier_url: Annotated[str, AfterValidator(_https_url)] = Field(
        description="https link to the dossier, on a host registered for the organisation"
    )
    einddatum_gepland: date | None = Field(default=None, description="expected completion")
    informeren: bool = Field(
        default=True,
        description="false: the status is recorded and shown, but the citizen is not e-mailed "
        "about it (ZGW StatusType.informeren)",
    )


class CaseWithdrawn(BaseModel):
    """`zaken.case-withdrawn.<OIN>`: the case should never have been shown (e.g. opened in error).

    Final: the case disappears from every citizen's overview, also for statuses that arrive
    later. A case that must be shown again gets a new identificatie.
    """

    model_config = ConfigDict(extra="forbid")

    identificatie: Identificatie
    toelichting: Toelichting | None = Field(default=None, description="why, for the audit trail")


class CaseStateRequested(BaseModel):
    """`zaken.case-state-requested.<OIN>`: the organisation asks what is recorded for its cases."""

    model_config = ConfigDict(extra="forbid")

    identificaties: list[Identificatie] = Field(min_length=1, max_length=MAX_REQUESTED_CASES)


class CaseStatusRecorded(BaseModel):
    """`zaken.case-status-recorded.<OIN>`: a status newer than the current one was recorded.

    The Notifier's trigger; no free text, so nothing of the case can leak into an e-mail.
    """

    case_id: str
    status_event_id: str = Field(description="id of the case-status-changed event it records")
    organisation_oin: str
    identificatie: str
    recipient_bsn: str
    statustype_code: str
    datum_status_gezet: datetime
    is_eindstatus: bool
    recorded_at: datetime


class CaseLifecycle(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    NOT_FOUND = "not-found"


class RecordedStatus(BaseModel):
    status_event_id: str
    statustype_code: str
    statustype_omschrijving: str
    statustoelichting: str | None = None
    datum_status_gezet: datetime
    is_eindstatus: bool


class CitizenCase(BaseModel):
    """One citizen's view of a case: an identificatie reported with two BSNs is two of these."""

    case_id: str
    bsn: str
    state: CaseLifecycle
    zaaktype_omschrijving: str
    dossier_url: str
    einddatum_gepland: date | None = None
    current_status: RecordedStatus
    history: list[RecordedStatus] = Field(description="each status once, newest first")


class RequestedCase(BaseModel):
    identificatie: str
    state: CaseLifecycle = Field(description="withdrawn, not-found, open if any citizen's is")
    citizens: list[CitizenCase] = Field(default_factory=list)


class CaseState(BaseModel):
    """`zaken.case-state.<OIN>`: the answer to a case-state-requested event."""

    request_id: str = Field(description="id of the case-state-requested event this answers")
    cases: list[RequestedCase]


class ZakenEventRejected(Rejected):
    """`zaken.event-rejected.<OIN>`: an event to Lopende Zaken was refused, and why."""
