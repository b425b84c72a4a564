"""Public events of Persoonlijke Gegevens (docs/gegevens.md). Facts are [{label, value}]: labels
are free text, so data, never keys. Validator errors carry the rejection reason as their type."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Final, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from mijnoverheid.contracts.rejection import Rejected, RejectionReason, rejection_error
from mijnoverheid.identity import is_valid_bsn

SERVICE: Final = "gegevens"
MAX_FACTS = 50
MAX_LABEL_CHARS = 100
MAX_TEXT_CHARS = 1000
MAX_REGISTER_CHARS = 40
MAX_KEY_CHARS = 200
MAX_DESCRIPTION_CHARS = 500
MAX_URL_CHARS = 2000
AMOUNT_PATTERN = r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _at_most(limit: int, field: str) -> AfterValidator:
    def check(value: str) -> str:
        if not value.strip():
            raise ValueError(f"{field} must not be blank")
        if len(value) > limit:
            raise rejection_error(RejectionReason.TOO_LARGE, f"{field} exceeds {limit} characters")
        return value

    return AfterValidator(check)


def _bsn(value: str) -> str:
    if not is_valid_bsn(value):
        raise rejection_error(RejectionReason.INVALID_BSN, "recipient_bsn is not a valid BSN")
    return value


def _real_date(value: str) -> str:
    dt.date.fromisoformat(value)  # 2026-02-30 matches the pattern but is no date: malformed
    return value


def _moment(value: dt.datetime) -> dt.datetime:
    if not 1800 <= value.year <= 2200:  # so that converting to UTC can never overflow
        raise ValueError("must lie between the years 1800 and 2200")
    return value


def _https_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        plain = parts.port in (None, 443) and not any(c.isspace() or c < " " for c in value)
    except ValueError:  # e.g. an unclosed "[" or a port that is not a number
        plain = False
    if not plain or parts.scheme != "https" or not parts.hostname or parts.username is not None:
        raise rejection_error(RejectionReason.URL_NOT_ALLOWED, "must be https on a plain host")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_moment)]
RegisterCode = Annotated[str, Field(min_length=1), _at_most(MAX_REGISTER_CHARS, "register_code")]
RegistrationKey = Annotated[str, Field(min_length=1), _at_most(MAX_KEY_CHARS, "registration_key")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is malformed


class TextValue(_Strict):
    type: Literal["text"] = "text"
    text: Annotated[str, Field(min_length=1), _at_most(MAX_TEXT_CHARS, "text")]


class DateValue(_Strict):
    type: Literal["date"] = "date"
    date: Annotated[str, AfterValidator(_real_date)] = Field(pattern=DATE_PATTERN)


class AmountValue(_Strict):
    type: Literal["amount"] = "amount"
    amount: str = Field(pattern=AMOUNT_PATTERN, description="decimal string, e.g. '312000.00'")
    currency: Literal["EUR"] = "EUR"


FactValue = Annotated[TextValue | DateValue | AmountValue, Field(discriminator="type")]


class Fact(_Strict):
    label: Annotated[str, Field(min_length=1), _at_most(MAX_LABEL_CHARS, "label")]
    value: FactValue


def _fact_count(value: object) -> object:
    if isinstance(value, list) and len(value) > MAX_FACTS:  # before validating every item
        raise rejection_error(RejectionReason.TOO_LARGE, f"more than {MAX_FACTS} facts")
    return value


class WhereToChange(_Strict):
    description: Annotated[str, Field(min_length=1), _at_most(MAX_DESCRIPTION_CHARS, "description")]
    url: Annotated[str, _at_most(MAX_URL_CHARS, "url"), AfterValidator(_https_url)]


class RegistrationChanged(_Strict):
    """`gegevens.registration-changed.<OIN>`: how a citizen is registered now."""

    recipient_bsn: Annotated[str, AfterValidator(_bsn)]
    register_code: RegisterCode
    registration_key: RegistrationKey
    facts: Annotated[list[Fact], BeforeValidator(_fact_count), Field(min_length=1)]
    valid_from: Moment = Field(description="orders the versions: the latest wins")
    where_to_change: WhereToChange


class RegistrationRemoved(_Strict):
    """`gegevens.registration-removed.<OIN>`: the citizen is no longer registered so."""

    recipient_bsn: Annotated[str, AfterValidator(_bsn)]
    register_code: RegisterCode
    registration_key: RegistrationKey
    valid_from: Moment = Field(description="when the removal takes effect")


class RegistrationChange(StrEnum):
    CHANGED = "changed"
    REMOVED = "removed"


class RegistrationRecorded(BaseModel):
    """`gegevens.registration-recorded.<OIN>`: the Notifier's trigger; no facts (§ 7 of the doc)."""

    registration_id: str
    register_code: str
    organisation_oin: str
    recipient_bsn: str
    valid_from: dt.datetime
    change: RegistrationChange
    registration_event_id: str = Field(description="id of the organisation's event recorded")


class GegevensEventRejected(Rejected):
    """`gegevens.event-rejected.<OIN>`: a registration event was refused, and why."""
