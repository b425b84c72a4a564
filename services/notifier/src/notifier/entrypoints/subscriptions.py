"""What the Notifier consumes: the other services' triggers, its own retries, and
organisations' status requests; each as the call its handler takes.

No `from __future__ import annotations` here: the subscriptions document their payloads for
AsyncAPI with models chosen at run time, which FastStream reads from real annotations.
"""

from dataclasses import dataclass
from typing import Any

from mijnoverheid.contracts import events
from mijnoverheid.contracts.notifier import NotificationStatusRequested
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Accepted
from mijnoverheid.messaging import topology
from mijnoverheid.messaging.gate import (
    AnswerRefusal,
    FromOrganisations,
    FromPlatform,
    OwnCommands,
    Subscription,
    Trusted,
)
from notifier.adapters.retries import RetryNotification
from notifier.entrypoints import triggers
from notifier.handlers.dispatch import Dispatcher
from notifier.handlers.query import AskNotifications, StatusQueryHandler

REPORTS = "Reports notifier.notification-status.<OIN> to the organisation the news is from."
_CRITERIA = ("message_id", "case_id", "registration_id", "reference")


@dataclass(frozen=True)
class TrustedPublishers:
    """The broker users of the services whose events trigger a notification."""

    berichtenbox: str
    zaken: str
    gegevens: str
    notifier: str


def subscriptions(
    dispatcher: Dispatcher,
    query: StatusQueryHandler,
    registry: OrganisationRegistry,
    answer_refusal: AnswerRefusal,
    publishers: TrustedPublishers,
) -> tuple[Subscription, ...]:
    def on(trigger: triggers.Trigger, trusted_user: str, description: str) -> FromPlatform[Any]:
        async def notify(trusted: Trusted[Any]) -> None:
            request = triggers.to_request(trigger, trusted, registry)
            if request is not None:
                await dispatcher.notify(request)

        return FromPlatform(
            trigger.queue, trigger.route, description, trusted_user, notify, reader=trigger.model
        )

    async def retry(command: RetryNotification) -> None:
        await dispatcher.retry(command.notification_id, command.after_attempt)

    return (
        on(
            triggers.MESSAGE_DELIVERED,
            publishers.berichtenbox,
            "A message is in a citizen's Berichtenbox: e-mail the citizen. " + REPORTS,
        ),
        on(
            triggers.MESSAGE_EXPIRING,
            publishers.berichtenbox,
            "An unread message will soon be removed: warn the citizen. " + REPORTS,
        ),
        on(
            triggers.MESSAGE_LEFT_UNREAD,
            publishers.berichtenbox,
            "A message is still unread some days after delivery: remind the citizen, once. "
            + REPORTS,
        ),
        on(
            triggers.CASE_STATUS_RECORDED,
            publishers.zaken,
            "A case has a newer status: tell the citizen there is news. " + REPORTS,
        ),
        on(
            triggers.REGISTRATION_RECORDED,
            publishers.gegevens,
            "A registration changed in a register whose changes are notified. " + REPORTS,
        ),
        FromOrganisations(
            topology.NOTIFIER_NOTIFICATION_STATUS_REQUESTED,
            events.NOTIFICATION_STATUS_REQUESTED,
            "An organisation asks for its notifications' histories. Answered with "
            "notifier.notification-status-report.<OIN> (its own notifications only).",
            registry,
            "notifier",
            answer_refusal,
            command=ask_notifications,
            handle=query,
        ),
        OwnCommands(
            topology.NOTIFIER_RETRY,
            "Internal: a retry's delay is over (published by the Notifier to a delay queue "
            "notifier.retry.<delay>, which dead-letters it here).",
            RetryNotification,
            publishers.notifier,
            retry,
        ),
    )


def ask_notifications(accepted: Accepted[NotificationStatusRequested]) -> AskNotifications:
    data = accepted.data
    return AskNotifications(
        request_event_id=accepted.event.id,
        request_source=accepted.event.source,
        asker_oin=accepted.sender.oin,
        notification_ids=tuple(data.notification_ids),
        criteria={name: value for name in _CRITERIA if (value := getattr(data, name))},
    )
