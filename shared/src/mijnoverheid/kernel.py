"""The shared kernel: pure types every service's domain may use.

No I/O, no wire models, no transport: a domain module may import this and the standard library,
nothing else of the platform (the import contract in `.importlinter` holds it to that).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

# The citizen's calendar: deadlines, the day of a warning or a reminder are Dutch days.
CITIZENS_ZONE = ZoneInfo("Europe/Amsterdam")


def citizens_day(moment: datetime) -> date:
    """The calendar day `moment` falls on for a citizen in the Netherlands."""
    return moment.astimezone(CITIZENS_ZONE).date()


# Namespace for the deterministic ids of what is derived from an event (answers, records).
EVENT_ID_NAMESPACE = uuid.UUID("6f1d3c52-3c1e-4a57-9d5e-0b3f5d2a7e11")


def derived_event_id(*parts: str) -> str:
    """A deterministic id, so that a redelivered trigger re-emits the same event."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, "\x1f".join(parts)))


# Why an organisation's event was refused: the codes of every `*-rejected` event.
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
    ACCOUNT_NOT_ACTIVATED = "account-not-activated"
    NO_DIGITAL_CONSENT = "no-digital-consent"


class Refusal(Exception):  # noqa: N818 - a decision to refuse, not a fault
    """A rule refuses an organisation's event; the inbound gate tells the sender why.

    `detail` is read by the sender: it must not echo their input (it may be personal data).
    """

    def __init__(self, reason: RejectionReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class UnprocessableEventError(Exception):
    """An event that can never be processed and whose sender cannot be told: ops must look
    (the delivery is dead-lettered). Not for organisations' mistakes: those are a `Refusal`."""


class BusyError(Exception):
    """An expected wait, not a fault: another worker holds what this delivery needs (say, the
    notification it is sending). The consumer keeps the delivery and runs the handler again
    within `retry_after_seconds`, without spending the queue's delivery limit and without
    logging an error (see `mijnoverheid.messaging.consumer`)."""

    def __init__(self, detail: str, retry_after_seconds: float) -> None:
        super().__init__(detail)
        self.retry_after_seconds = max(0.0, retry_after_seconds)


@dataclass(frozen=True)
class Origin:
    """Which event of which organisation a command comes from."""

    sender_oin: str
    sender_name: str
    event_source: str
    event_id: str
    sent_at: datetime
