"""Deciding whether an organisation's event may be accepted: pure, no I/O.

An event is accepted only when the broker-validated user_id, the routing-key OIN and the
CloudEvent `source` OIN are one registered organisation, registered for the service and
allowed to use BSNs, and the data is valid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.contracts.rejection import RejectionReason, reason_of
from mijnoverheid.contracts.routing import oin_of_routing_key
from mijnoverheid.identity import Organisation, OrganisationRegistry, ServiceName
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


def accept_inbound(
    delivery: InboundDelivery,
    registry: OrganisationRegistry,
    service: ServiceName | Literal["notifier"],
    expected_type: str,
    data_model: type[DataT],
) -> Accepted[DataT] | Refused:
    """Raises `UnprocessableEventError` when nobody can be told why (dead-letter it)."""
    sender = registry.by_broker_user(delivery.user_id)
    if sender is None:
        raise UnprocessableEventError("publisher is not a registered organisation")
    try:
        event = CloudEvent.model_validate_json(delivery.body)
    except ValidationError as error:
        event_id = _event_id_of(delivery.body)
        if event_id is None:
            raise UnprocessableEventError("body is not a CloudEvent") from error
        reason, detail = reason_of(error)
        return Refused(sender, event_id, None, RejectionReason.MALFORMED, detail)

    def refuse(reason: RejectionReason, detail: str) -> Refused:
        return Refused(sender, event.id, event.type, reason, detail)

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
        data = data_model.model_validate(event.data)
    except ValidationError as error:
        reason, detail = reason_of(error)
        return refuse(reason, detail)
    return Accepted(sender, event, data)


def _event_id_of(body: bytes) -> str | None:
    """The id of an event whose envelope is invalid, if there is one to quote back."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    event_id = document.get("id") if isinstance(document, dict) else None
    if not isinstance(event_id, str) or not event_id or not _is_utf8(event_id):
        return None
    return event_id[:200]


def _is_utf8(text: str) -> bool:
    # JSON may carry lone surrogates, which no id derived from this one could encode.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
