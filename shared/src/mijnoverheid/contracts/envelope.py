"""CloudEvents 1.0 structured JSON envelope, NL GOV profile."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

# Re-exported: adapters derive the ids of the events they emit.
from mijnoverheid.kernel import derived_event_id as derived_event_id

CONTENT_TYPE = "application/cloudevents+json"

_SOURCE_PATTERN = re.compile(
    r"^urn:nld:oin:(?P<oin>[0-9]{20}):systeem:(?P<system>[A-Za-z0-9._-]+)$"
)

DataT = TypeVar("DataT", bound=BaseModel)


def _plausible_moment(value: datetime) -> datetime:
    # Far-off years pass RFC 3339 but overflow when converted to UTC; refuse them as input.
    if not 1800 <= value.year <= 2200:
        raise ValueError("must lie between the years 1800 and 2200")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_plausible_moment)]


def source_for(oin: str, system: str) -> str:
    return f"urn:nld:oin:{oin}:systeem:{system}"


def oin_of_source(source: str) -> str | None:
    match = _SOURCE_PATTERN.fullmatch(source)
    return match["oin"] if match else None


def utc_now() -> datetime:
    return datetime.now(UTC)


class CloudEvent(BaseModel):
    """The envelope with opaque `data`: enough to identify and route an event."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=200)
    time: Moment
    datacontenttype: Literal["application/json"] = "application/json"
    subject: str | None = None
    data: Any = None

    @field_validator("id", "source", "type")
    @classmethod
    def _encodable(cls, value: str) -> str:
        value.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError, a ValueError
        return value

    @field_validator("source")
    @classmethod
    def _source_is_nl_gov_urn(cls, value: str) -> str:
        if oin_of_source(value) is None:
            raise ValueError("source must be urn:nld:oin:<20-digit OIN>:systeem:<name>")
        return value

    @property
    def source_oin(self) -> str:
        oin = oin_of_source(self.source)
        assert oin is not None  # guaranteed by the validator
        return oin


class TypedCloudEvent(CloudEvent, Generic[DataT]):
    data: DataT


def new_event(*, source: str, type_: str, data: BaseModel, id_: str, time: datetime) -> CloudEvent:
    return CloudEvent(
        specversion="1.0",
        id=id_,
        source=source,
        type=type_,
        time=time,
        data=data.model_dump(mode="json", by_alias=True, exclude_none=True),
    )


def encode(event: CloudEvent) -> bytes:
    return event.model_dump_json(exclude_none=True).encode("utf-8")
