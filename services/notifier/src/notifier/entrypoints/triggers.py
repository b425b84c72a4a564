"""The events that make the Notifier e-mail a citizen, read tolerantly: only the fields it
needs, anything else ignored, so producers can add fields without breaking it; and each as
the NotificationRequest the dispatcher takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from mijnoverheid.contracts import events
from mijnoverheid.contracts.routing import EventRoute
from mijnoverheid.identity import Bsn, OrganisationRegistry
from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.messaging import topology
from mijnoverheid.messaging.gate import Trusted
from mijnoverheid.messaging.topology import WorkQueue
from notifier.domain.request import NotificationRequest, Template

UNKNOWN_ORGANISATION = "een overheidsorganisatie"


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore")

    recipient_bsn: Bsn  # a trigger without a valid BSN is a fault for ops, never mail
    legal_effect: bool = False
    kind: str | None = None
    deadline: date | None = None
    reference: str | None = None


class MessageDeliveredData(_Tolerant):
    message_id: str
    sender_oin: str


class MessageExpiringData(_Tolerant):
    message_id: str
    sender_oin: str
    expires_at: datetime


class MessageLeftUnreadData(_Tolerant):
    message_id: str
    sender_oin: str
    warning_on: date | None = None


class CaseStatusRecordedData(_Tolerant):
    case_id: str
    organisation_oin: str | None = None
    # The organisation's own case number, so it can match our statuses to its case.
    reference: str | None = Field(
        default=None, validation_alias=AliasChoices("reference", "identificatie")
    )


class RegistrationRecordedData(_Tolerant):
    registration_id: str
    register_code: str = Field(validation_alias=AliasChoices("register_code", "register"))
    organisation_oin: str | None = None
    # The id of the organisation's own event, so it can match our statuses to it.
    reference: str | None = Field(
        default=None, validation_alias=AliasChoices("reference", "registration_event_id")
    )


@dataclass(frozen=True)
class Trigger:
    route: EventRoute
    queue: WorkQueue
    template: Template
    model: type[_Tolerant]


MESSAGE_DELIVERED = Trigger(
    events.MESSAGE_DELIVERED,
    topology.NOTIFIER_MESSAGE_DELIVERED,
    Template.MESSAGE_DELIVERED,
    MessageDeliveredData,
)
MESSAGE_EXPIRING = Trigger(
    events.MESSAGE_EXPIRING,
    topology.NOTIFIER_MESSAGE_EXPIRING,
    Template.MESSAGE_EXPIRING,
    MessageExpiringData,
)
MESSAGE_LEFT_UNREAD = Trigger(
    events.MESSAGE_LEFT_UNREAD,
    topology.NOTIFIER_MESSAGE_LEFT_UNREAD,
    Template.MESSAGE_LEFT_UNREAD,
    MessageLeftUnreadData,
)
CASE_STATUS_RECORDED = Trigger(
    events.CASE_STATUS_RECORDED,
    topology.NOTIFIER_CASE_STATUS_RECORDED,
    Template.CASE_STATUS,
    CaseStatusRecordedData,
)
REGISTRATION_RECORDED = Trigger(
    events.REGISTRATION_RECORDED,
    topology.NOTIFIER_REGISTRATION_RECORDED,
    Template.REGISTRATION,
    RegistrationRecordedData,
)


def to_request(
    trigger: Trigger, trusted: Trusted[Any], registry: OrganisationRegistry
) -> NotificationRequest | None:
    """None when this trigger needs no e-mail (a register whose changes are not notified)."""
    event, data, key_oin = trusted.event, trusted.data, trusted.routing_oin
    oin = getattr(data, "sender_oin", None) or getattr(data, "organisation_oin", None) or key_oin
    if oin is None or (key_oin is not None and oin != key_oin):
        raise UnprocessableEventError(
            "the organisation in the data is not the one in the routing key"
        )
    organisation = registry.by_oin(oin)
    fields: dict[str, Any] = {"kind": None}
    if isinstance(data, MessageDeliveredData | MessageExpiringData | MessageLeftUnreadData):
        # Only a message has a kind; whatever else a case or registration says is its details.
        fields.update(message_id=data.message_id, kind=data.kind)
    if isinstance(data, MessageExpiringData):
        fields["expires_on"] = data.expires_at.date()
    if isinstance(data, MessageLeftUnreadData):
        fields["warning_on"] = data.warning_on
    if isinstance(data, CaseStatusRecordedData):
        fields["case_id"] = data.case_id
    if isinstance(data, RegistrationRecordedData):
        register = registry.register(data.register_code)
        if organisation is None or data.register_code not in organisation.notify_registers:
            return None
        fields.update(
            registration_id=data.registration_id, register_name=register and register.name
        )
    return NotificationRequest(
        template=trigger.template,
        trigger_source=event.source,
        trigger_event_id=event.id,
        trigger_event_type=event.type,
        organisation_oin=oin,
        organisation_name=organisation.name if organisation else UNKNOWN_ORGANISATION,
        recipient_bsn=data.recipient_bsn,
        legal_effect=data.legal_effect,
        deadline=data.deadline,
        reference=data.reference,
        **fields,
    )
