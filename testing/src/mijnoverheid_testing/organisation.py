"""An organisation as it connects in reality: its own broker user, its own queue."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from mijnoverheid.contracts import events, routing
from mijnoverheid.contracts.envelope import CONTENT_TYPE, source_for, utc_now
from mijnoverheid.identity import Organisation
from mijnoverheid.provisioning import organisation_queue_prefix
from mijnoverheid_testing.accounts import account_activated, consent_changed, publish_as_portal
from mijnoverheid_testing.stack import Stack
from mijnoverheid_testing.waiting import DEFAULT_TIMEOUT_SECONDS, wait_until

Event = dict[str, Any]


def message_sent(organisation: Organisation, bsn: str, **data: Any) -> Event:
    """A valid `message-sent` CloudEvent from `organisation`; `data` overrides fields."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source_for(organisation.oin, "test-zaaksysteem"),
        "type": "nl.mijnoverheid.berichtenbox.message-sent",
        "time": utc_now().isoformat(),
        "datacontenttype": "application/json",
        "data": {
            "recipient_bsn": bsn,
            "subject": "Uw aanslag inkomstenbelasting 2025",
            "body": "Geachte heer/mevrouw, hierbij ontvangt u uw aanslag. Vertrouwelijk-7731.",
            "reference": f"KENMERK-{uuid.uuid4().hex[:8]}",
            "legal_effect": True,
            **data,
        },
    }


class OrganisationClient:
    """Publishes as the organisation and collects what arrives on its own outbound keys."""

    def __init__(self, stack: Stack, vhost: str, organisation: Organisation) -> None:
        self.organisation = organisation
        self._stack, self._vhost = stack, vhost
        self.user_id = stack.user_id(organisation.broker_user)
        self._connection: AbstractRobustConnection | None = None
        self.received: list[Event] = []

    async def __aenter__(self) -> OrganisationClient:
        self._connection = await self._stack.connect(self.organisation.broker_user, self._vhost)
        channel = await self._connection.channel()
        name = f"{organisation_queue_prefix(self.organisation.oin)}test.{uuid.uuid4().hex[:8]}"
        queue = await channel.declare_queue(name, exclusive=True)
        for route in events.OUTBOUND:
            await queue.bind(routing.EXCHANGE, route.key(self.organisation.oin))
        await queue.consume(self._on_message)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        async with message.process():
            event = json.loads(message.body)
            event["_routing_key"] = message.routing_key
            event["_user_id"] = message.user_id
            self.received.append(event)

    async def publish(
        self,
        event: Event | bytes,
        *,
        routing_key: str | None = None,
        user_id: str | bool | None = True,
    ) -> None:
        """Publish confirmed; `user_id=True` sets the organisation's own user (as it must)."""
        assert self._connection is not None
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        message_id = event.get("id") if isinstance(event, dict) else None
        channel = await self._connection.channel(publisher_confirms=True)
        try:
            exchange = await channel.get_exchange(routing.EXCHANGE, ensure=False)
            await exchange.publish(
                aio_pika.Message(
                    body,
                    content_type=CONTENT_TYPE,
                    message_id=message_id,
                    user_id=self.user_id if user_id is True else user_id or None,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=routing_key or events.MESSAGE_SENT.key(self.organisation.oin),
                mandatory=True,
            )
        finally:
            await channel.close()

    async def enrol(self, *bsns: str) -> None:
        """Citizens with an activated account who consented to this organisation's digital
        post, announced as the portal does; returns once the Berichtenbox (which must run)
        answers this organisation that it may send them digitally."""
        citizens = list(bsns)
        announcements = [account_activated(bsn) for bsn in citizens]
        announcements += [consent_changed(bsn, self.organisation.oin) for bsn in citizens]
        await publish_as_portal(self._stack, self._vhost, announcements)
        for start in range(0, len(citizens), 100):
            batch = citizens[start : start + 100]
            await wait_until(
                lambda batch=batch: self.all_digital(batch),
                timeout=60,
                what="the Berichtenbox to know of the citizens' accounts and consent",
            )

    async def all_digital(self, bsns: list[str]) -> bool:
        """Asks the Berichtenbox (digital-delivery-requested) and reads its answer."""
        request_id = str(uuid.uuid4())
        request = {
            "specversion": "1.0",
            "id": request_id,
            "source": source_for(self.organisation.oin, "test"),
            "type": events.DIGITAL_DELIVERY_REQUESTED.type,
            "time": utc_now().isoformat(),
            "data": {"bsns": bsns},
        }
        route = events.DIGITAL_DELIVERY_REQUESTED
        await self.publish(request, routing_key=route.key(self.organisation.oin))
        answer = await self.next_event(
            "digital-delivery", lambda e: bool(e["data"]["request_id"] == request_id)
        )
        return all(citizen["digital"] for citizen in answer["data"]["citizens"])

    def events(self, event: str, where: Callable[[Event], bool] = lambda _: True) -> list[Event]:
        suffix = f".{event}"
        return [e for e in self.received if e["type"].endswith(suffix) and where(e)]

    async def next_event(
        self,
        event: str,
        where: Callable[[Event], bool] = lambda _: True,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> Event:
        found: list[Event] = await wait_until(
            lambda: self.events(event, where), timeout=timeout, what=f"a {event} event"
        )
        return found[0]


def about(event_id: str) -> Callable[[Event], bool]:
    """Matches receipts and rejections that answer the event with `event_id`."""

    def matches(event: Event) -> bool:
        data = event.get("data", {})
        return event_id in (data.get("sent_event_id"), data.get("rejected_event_id"))

    return matches
