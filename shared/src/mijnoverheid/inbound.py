"""Deciding whether an organisation's event may be accepted: pure, no I/O.

An event is accepted only when it is within its route's size, the broker-validated user_id,
the routing-key OIN and the CloudEvent `source` OIN are one registered organisation,
registered for the service and allowed to use BSNs, and the data is valid. Data is parsed
strictly: a JSON value of the wrong type (`"true"` or `1` for a boolean, a number for a date)
is refused, never coerced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Generic, Literal, TypeVar

import pydantic_core
from pydantic import BaseModel, ValidationError

from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.contracts.rejection import RejectionReason, reason_of
from mijnoverheid.contracts.routing import oin_of_routing_key
from mijnoverheid.identity import Organisation, OrganisationRegistry, ServiceName
from mijnoverheid.jsonscan import top_level_string
from mijnoverheid.kernel import Origin, UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery

DataT = TypeVar("DataT", bound=BaseModel)
# The Notifier serves every organisation that is registered for any service (it e-mails about
# their messages, cases and registrations), so asking it needs no registration of its own.
ANY_REGISTERED_SERVICE: Final = "notifier"


@dataclass(frozen=True)
class Accepted(Generic[DataT]):
    sender: Organisation
    event: CloudEvent
    data: DataT

    @property
    def origin(self) -> Origin:
        event = self.event
        return Origin(self.sender.oin, self.sender.name, event.source, event.id, event.time)


@dataclass(frozen=True)
class Refused:
    """Refused with a reason the sender is told of (it could be identified)."""

    sender: Organisation
    event_id: str
    event_type: str | None
    reason: RejectionReason
    detail: str
    # CloudEvents ids are unique per source: a rejection's id derives from both.
    event_source: str | None = None

    @property
    def answer_key(self) -> tuple[str, str]:
        """What identifies the refused event (the sender's OIN when it named no source)."""
        return (self.event_source or self.sender.oin, self.event_id)


def accept_inbound(
    delivery: InboundDelivery,
    registry: OrganisationRegistry,
    service: ServiceName | Literal["notifier"],
    expected_type: str,
    data_model: type[DataT],
    max_bytes: int,
) -> Accepted[DataT] | Refused:
    """Raises `UnprocessableEventError` when nobody can be told why (dead-letter it)."""
    sender = registry.by_broker_user(delivery.user_id)
    if sender is None:
        raise UnprocessableEventError("publisher is not a registered organisation")
    if len(delivery.body) > max_bytes:
        # Refused before parsing: an oversize body is never decoded as a whole.
        return _unparsed(
            sender, delivery.body, RejectionReason.TOO_LARGE, f"event exceeds {max_bytes} bytes"
        )
    try:
        event = CloudEvent.model_validate_json(delivery.body, strict=True)
    except ValidationError as error:
        return _unparsed(sender, delivery.body, RejectionReason.MALFORMED, reason_of(error)[1])

    def refuse(reason: RejectionReason, detail: str) -> Refused:
        return Refused(sender, event.id, event.type, reason, detail, event.source)

    if oin_of_routing_key(delivery.routing_key) != sender.oin or event.source_oin != sender.oin:
        return refuse(
            RejectionReason.IDENTITY_MISMATCH,
            "user_id, routing-key OIN and source OIN must name the same organisation",
        )
    if service != ANY_REGISTERED_SERVICE and service not in sender.services:
        return refuse(
            RejectionReason.SERVICE_NOT_ALLOWED,
            f"organisation is not registered for the {service} service",
        )
    if not sender.bsn_allowed:
        return refuse(RejectionReason.BSN_NOT_ALLOWED, "organisation may not use BSNs")
    if event.type != expected_type:
        return refuse(
            RejectionReason.UNSUPPORTED_EVENT_TYPE, f"expected type {expected_type} on this key"
        )
    try:
        # From JSON again, strictly: the envelope parsed `data` leniently into Python values.
        data = data_model.model_validate_json(pydantic_core.to_json(event.data), strict=True)
    except ValidationError as error:
        reason, detail = reason_of(error)
        return refuse(reason, detail)
    return Accepted(sender, event, data)


def _unparsed(sender: Organisation, body: bytes, reason: RejectionReason, detail: str) -> Refused:
    """Refuses a body that was not (or could not be) parsed, quoting its id back when it has
    one; raises `UnprocessableEventError` when it has none (nobody can be told)."""
    event_id = top_level_string(body, "id")
    if not event_id or not _is_utf8(event_id):
        raise UnprocessableEventError("body is not a CloudEvent with an id")
    source = top_level_string(body, "source")
    return Refused(
        sender,
        event_id[:200],
        None,
        reason,
        detail,
        source if source and _is_utf8(source) else None,
    )


def _is_utf8(text: str) -> bool:
    # JSON may carry lone surrogates, which no id derived from this one could encode.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
