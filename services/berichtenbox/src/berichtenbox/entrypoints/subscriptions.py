"""What the Berichtenbox consumes, and each contract as the command its handler takes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from berichtenbox.domain.eligibility import (
    ActivateAccount,
    AskDigitalDelivery,
    ChangeConsent,
    ConsentChange,
)
from berichtenbox.domain.grants import GiveGrant, Grant, WithdrawGrant
from berichtenbox.domain.message import ReceiveMessage, Submission, SubmittedAttachment
from berichtenbox.domain.status import AskStatus, NotificationChanged
from mijnoverheid.contracts import events
from mijnoverheid.contracts.berichtenbox import (
    DigitalDeliveryRequested,
    MessageSent,
    MessageStatusRequested,
)
from mijnoverheid.contracts.notifier import NotificationStatus
from mijnoverheid.contracts.portal import (
    AccountActivated,
    DigitalConsentChanged,
    GrantGiven,
    GrantWithdrawn,
)
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Accepted
from mijnoverheid.messaging import topology
from mijnoverheid.messaging.gate import (
    AnswerRefusal,
    FromOrganisations,
    FromPlatform,
    Subscription,
    Trusted,
)


@dataclass(frozen=True)
class Handlers:
    message_sent: Callable[[ReceiveMessage], Awaitable[None]]
    status_requested: Callable[[AskStatus], Awaitable[None]]
    notification_changed: Callable[[NotificationChanged], Awaitable[None]]
    digital_delivery_requested: Callable[[AskDigitalDelivery], Awaitable[None]]
    account_activated: Callable[[ActivateAccount], Awaitable[None]]
    consent_changed: Callable[[ChangeConsent], Awaitable[None]]
    grant_given: Callable[[GiveGrant], Awaitable[None]]
    grant_withdrawn: Callable[[WithdrawGrant], Awaitable[None]]


@dataclass(frozen=True)
class TrustedPublishers:
    notifier: str
    portal: str


def subscriptions(
    handlers: Handlers,
    registry: OrganisationRegistry,
    reject: AnswerRefusal,
    trusted: TrustedPublishers,
) -> tuple[Subscription, ...]:
    async def notification_status(trusted: Trusted[NotificationStatus]) -> None:
        change = notification_change(trusted)
        if change is not None:  # about a case or a registration: not ours to record
            await handlers.notification_changed(change)

    async def account_activated(trusted: Trusted[AccountActivated]) -> None:
        await handlers.account_activated(activate_account(trusted))

    async def consent_changed(trusted: Trusted[DigitalConsentChanged]) -> None:
        await handlers.consent_changed(change_consent(trusted))

    async def grant_given(trusted: Trusted[GrantGiven]) -> None:
        await handlers.grant_given(give_grant(trusted))

    async def grant_withdrawn(trusted: Trusted[GrantWithdrawn]) -> None:
        await handlers.grant_withdrawn(
            WithdrawGrant(trusted.data.grant_id, trusted.data.withdrawn_at)
        )

    return (
        FromOrganisations(
            topology.BERICHTENBOX_MESSAGE_SENT,
            events.MESSAGE_SENT,
            "An organisation sends a message to a citizen's Berichtenbox. Answered "
            "with berichtenbox.message-delivered.<OIN> or berichtenbox.message-rejected.<OIN>.",
            registry,
            "berichtenbox",
            reject,
            command=receive_message,
            handle=handlers.message_sent,
        ),
        FromPlatform(
            topology.BERICHTENBOX_NOTIFICATION_STATUS,
            events.NOTIFICATION_STATUS,
            "The Notifier's status of a notification about a message: appended to "
            "that message's trail.",
            trusted_user=trusted.notifier,
            handle=notification_status,
        ),
        FromOrganisations(
            topology.BERICHTENBOX_MESSAGE_STATUS_REQUESTED,
            events.MESSAGE_STATUS_REQUESTED,
            "An organisation asks about its own messages. Answered with "
            "berichtenbox.message-status.<OIN>.",
            registry,
            "berichtenbox",
            reject,
            command=ask_status,
            handle=handlers.status_requested,
        ),
        FromOrganisations(
            topology.BERICHTENBOX_DIGITAL_DELIVERY_REQUESTED,
            events.DIGITAL_DELIVERY_REQUESTED,
            "An organisation asks whether it may send citizens its post digitally. Answered "
            "with berichtenbox.digital-delivery.<OIN>.",
            registry,
            "berichtenbox",
            reject,
            command=ask_digital_delivery,
            handle=handlers.digital_delivery_requested,
        ),
        FromPlatform(
            topology.BERICHTENBOX_ACCOUNT_ACTIVATED,
            events.ACCOUNT_ACTIVATED,
            "The portal activated a citizen's account: from then on messages to them are "
            "delivered (with their consent for the sender).",
            trusted_user=trusted.portal,
            handle=account_activated,
        ),
        FromPlatform(
            topology.BERICHTENBOX_DIGITAL_CONSENT_CHANGED,
            events.DIGITAL_CONSENT_CHANGED,
            "A citizen switched digital post from an organisation on or off in the portal.",
            trusted_user=trusted.portal,
            handle=consent_changed,
        ),
        FromPlatform(
            topology.BERICHTENBOX_GRANT_GIVEN,
            events.GRANT_GIVEN,
            "A citizen authorised another citizen to read their messages from chosen "
            "organisations (machtigen): from then on the helper's token reads them.",
            trusted_user=trusted.portal,
            handle=grant_given,
        ),
        FromPlatform(
            topology.BERICHTENBOX_GRANT_WITHDRAWN,
            events.GRANT_WITHDRAWN,
            "A citizen withdrew a grant: the helper reads nothing through it any more.",
            trusted_user=trusted.portal,
            handle=grant_withdrawn,
        ),
    )


def receive_message(accepted: Accepted[MessageSent]) -> ReceiveMessage:
    data = accepted.data
    attachments = tuple(
        SubmittedAttachment(each.file_name, each.media_type, each.decoded())
        for each in data.attachments
    )
    # The submission has the contract's fields, as plain values (attachments decoded once).
    fields = data.model_dump(exclude={"attachments"})
    return ReceiveMessage(accepted.origin, Submission(**fields, attachments=attachments))


def ask_status(accepted: Accepted[MessageStatusRequested]) -> AskStatus:
    return AskStatus(
        request_event_id=accepted.event.id,
        request_source=accepted.event.source,
        asker_oin=accepted.sender.oin,
        message_ids=tuple(accepted.data.message_ids),
        include_trail=accepted.data.include_trail,
    )


def notification_change(trusted: Trusted[NotificationStatus]) -> NotificationChanged | None:
    status = trusted.data
    if status.message_id is None:
        return None
    return NotificationChanged(
        event_id=trusted.event.id,
        message_id=status.message_id,
        notification_id=status.notification_id,
        status=status.status.value,
        occurred_at=status.occurred_at,
        sequence=status.sequence,
        smtp_code=status.smtp_reply.code if status.smtp_reply is not None else None,
    )


def ask_digital_delivery(accepted: Accepted[DigitalDeliveryRequested]) -> AskDigitalDelivery:
    return AskDigitalDelivery(
        request_event_id=accepted.event.id,
        request_source=accepted.event.source,
        asker_oin=accepted.sender.oin,
        bsns=tuple(accepted.data.bsns),
    )


def activate_account(trusted: Trusted[AccountActivated]) -> ActivateAccount:
    return ActivateAccount(trusted.data.bsn, trusted.data.activated_at)


def change_consent(trusted: Trusted[DigitalConsentChanged]) -> ChangeConsent:
    data = trusted.data
    change = ConsentChange(data.organisation_oin, data.digital, data.changed_at, data.change_id)
    return ChangeConsent(data.bsn, change)


def give_grant(trusted: Trusted[GrantGiven]) -> GiveGrant:
    data = trusted.data
    grant = Grant(
        grant_id=data.grant_id,
        owner_bsn=data.owner_bsn,
        helper_bsn=data.helper_bsn,
        owner_name=data.owner_name,
        organisation_oins=tuple(data.organisation_oins),
        granted_at=data.granted_at,
        valid_until=data.valid_until,
    )
    return GiveGrant(grant)
