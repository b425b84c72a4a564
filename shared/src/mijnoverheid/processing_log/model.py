"""A record of the processing log: one read of one citizen's personal data, as the citizen's
copy keeps it and as its span carries it to a Logboek (Logboek Dataverwerkingen).

| standard (Logboek Dataverwerkingen)  | here                                               |
|--------------------------------------|----------------------------------------------------|
| trace_id, span_id, parent_span_id    | `trace_id`, `span_id`, `parent_span_id` (hex)      |
| name (the action, for people)        | the action's Dutch label; `action` is its code     |
| start_time, end_time                 | `started_at`, `ended_at`                           |
| status (Unset, Ok, Error)            | `status`: unset (done) or error (failed inside)    |
| dpl.core.processing_activity_id      | the activity's code, a URI with the register's prefix |
| dpl.core.data_subject_id (+ _type)   | `subject`: the pseudonym of the BSN (subjects.py)  |
| dpl.core.foreign_operation.processor | who asked: the token's issuer, an event's source   |

Who read (`party`) is not an attribute of the standard: the activity says which kind of party
it was, and an organisation is the calling application. The citizen's copy keeps the party so
it can say who: the organisation's OIN, or the authorisation (never the helper's identity).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mijnoverheid.processing_log.activities import PartyKind

# The attribute names of the standard's core namespace: the only attributes a span carries.
PROCESSING_ACTIVITY_ID = "dpl.core.processing_activity_id"
DATA_SUBJECT_ID = "dpl.core.data_subject_id"
DATA_SUBJECT_ID_TYPE = "dpl.core.data_subject_id_type"
FOREIGN_OPERATION_PROCESSOR = "dpl.core.foreign_operation.processor"


# The W3C trace context of the organisation's event being handled (the CloudEvents
# Distributed Tracing extension, `traceparent`), set by the inbound gate around the handler.
inbound_traceparent: ContextVar[str | None] = ContextVar("inbound_traceparent", default=None)


class RecordStatus(StrEnum):
    UNSET = "unset"  # done without an internal error (the standard's default)
    ERROR = "error"  # failed inside the service


class PartyGroup(StrEnum):
    """The citizen's copy keeps their own reads apart from everyone else's."""

    SELF = "self"
    OTHERS = "others"


@dataclass(frozen=True)
class Party:
    kind: PartyKind
    oin: str | None = None  # an organisation
    authorisation_id: str | None = None  # a helper: the authorisation they read under

    @classmethod
    def citizen(cls) -> Party:
        return cls(PartyKind.CITIZEN)

    @classmethod
    def helper(cls, authorisation_id: str) -> Party:
        return cls(PartyKind.HELPER, authorisation_id=authorisation_id)

    @classmethod
    def organisation(cls, oin: str) -> Party:
        return cls(PartyKind.ORGANISATION, oin=oin)

    @property
    def group(self) -> PartyGroup:
        return PartyGroup.SELF if self.kind is PartyKind.CITIZEN else PartyGroup.OTHERS


@dataclass(frozen=True)
class Caller:
    """The application that asked (`dpl.core.foreign_operation.processor`, a URI) and the W3C
    trace context it sent, if any."""

    processor: str
    traceparent: str | None = None


@dataclass(frozen=True)
class ProcessingRecord:
    subject: str  # the pseudonym, never the BSN
    action: str
    activity: str
    party: Party
    started_at: datetime
    ended_at: datetime
    trace_id: str
    span_id: str
    parent_span_id: str | None
    status: RecordStatus


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def months_back(moment: datetime, count: int) -> list[str]:
    """The month of `moment` and the `count` before it, newest first."""
    year, month = moment.year, moment.month
    found = []
    for _ in range(count + 1):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found
