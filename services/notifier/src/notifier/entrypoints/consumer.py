"""Subscribers: take the delivery off the broker and hand it to its handler, nothing else.

No `from __future__ import annotations` here: the subscriber's body annotation names a schema
chosen at run time, which FastStream could not resolve from a string.
"""

from typing import Annotated, Any

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage
from pydantic import BaseModel

from mijnoverheid.contracts.berichtenbox import MessageDelivered, MessageExpiring
from mijnoverheid.contracts.envelope import TypedCloudEvent
from mijnoverheid.contracts.notifier import NotificationStatusRequested
from mijnoverheid.messaging import topology
from mijnoverheid.messaging.consumer import Handler, documented_as, process, raw_body
from notifier.adapters.retries import RetryNotification
from notifier.adapters.triggers import CaseStatusRecordedData, RegistrationRecordedData

REPORTS = "Reports notifier.notification-status.<OIN> to the organisation the news is from."


def _subscribe(
    broker: RabbitBroker,
    queue: topology.WorkQueue,
    handler: Handler,
    body_schema: type[BaseModel],
    description: str,
) -> None:
    @broker.subscriber(
        queue.rabbit_queue(),
        topology.EXCHANGE,
        ack_policy=AckPolicy.MANUAL,
        decoder=raw_body,
        title=queue.name,
        description=description,
    )
    async def consume(
        body: Annotated[bytes, documented_as(body_schema)], message: RabbitMessage
    ) -> None:
        await process(message, handler, queue.name)


def register(broker: RabbitBroker, handlers: dict[str, Handler]) -> None:
    """`handlers` by queue name; every queue of the Notifier has one."""
    schemas: dict[str, tuple[Any, str]] = {
        topology.NOTIFIER_MESSAGE_DELIVERED.name: (
            TypedCloudEvent[MessageDelivered],
            "A message is in a citizen's Berichtenbox: e-mail the citizen. " + REPORTS,
        ),
        topology.NOTIFIER_MESSAGE_EXPIRING.name: (
            TypedCloudEvent[MessageExpiring],
            "An unread message will soon be removed: warn the citizen. " + REPORTS,
        ),
        topology.NOTIFIER_CASE_STATUS_RECORDED.name: (
            TypedCloudEvent[CaseStatusRecordedData],
            "A case has a newer status: tell the citizen there is news. " + REPORTS,
        ),
        topology.NOTIFIER_REGISTRATION_RECORDED.name: (
            TypedCloudEvent[RegistrationRecordedData],
            "A registration changed in a register whose changes are notified. " + REPORTS,
        ),
        topology.NOTIFIER_NOTIFICATION_STATUS_REQUESTED.name: (
            TypedCloudEvent[NotificationStatusRequested],
            "An organisation asks for its notifications' histories. Answered with "
            "notifier.notification-status-report.<OIN> (its own notifications only).",
        ),
        topology.NOTIFIER_RETRY.name: (
            RetryNotification,
            "Internal: a retry's delay is over (published by the Notifier to a delay queue "
            "notifier.retry.<delay>, which dead-letters it here).",
        ),
    }
    for queue in topology.SERVICE_QUEUES["notifier"]:
        schema, description = schemas[queue.name]
        _subscribe(broker, queue, handlers[queue.name], schema, description)
