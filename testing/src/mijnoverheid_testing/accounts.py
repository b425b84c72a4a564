"""Citizens with an activated account and digital consent, as the portal announces them.

A message is delivered only to a citizen with an activated MijnOverheid account who consented
to digital post from its sender. Tests that are not about the portal get such citizens the way
the Berichtenbox learns of them in production: the portal's events, published as the portal's
broker user; and they wait, as an organisation would, until the Berichtenbox says yes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import aio_pika

from mijnoverheid.contracts import events, routing
from mijnoverheid.contracts.envelope import CONTENT_TYPE, CloudEvent, encode, source_for, utc_now
from mijnoverheid.contracts.portal import AccountActivated, DigitalConsentChanged
from mijnoverheid_testing.stack import Stack

PLATFORM_OIN = "00000001234567890000"
PORTAL_USER = "portal"


def account_activated(bsn: str) -> CloudEvent:
    now = utc_now()
    return events.ACCOUNT_ACTIVATED.new_event(
        AccountActivated(bsn=bsn, activated_at=now),
        source=source_for(PLATFORM_OIN, "portal"),
        id_=str(uuid.uuid4()),
        time=now,
    )


def consent_changed(bsn: str, organisation_oin: str, digital: bool = True) -> CloudEvent:
    now, change_id = utc_now(), str(uuid.uuid4())
    data = DigitalConsentChanged(
        bsn=bsn,
        organisation_oin=organisation_oin,
        digital=digital,
        changed_at=now,
        change_id=change_id,
    )
    return events.DIGITAL_CONSENT_CHANGED.new_event(
        data, source=source_for(PLATFORM_OIN, "portal"), id_=change_id, time=now
    )


async def publish_as_portal(stack: Stack, vhost: str, announcements: Iterable[CloudEvent]) -> None:
    async with await stack.connect(PORTAL_USER, vhost) as connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(routing.EXCHANGE, ensure=False)
        for event in announcements:
            route = next(r for r in events.INTERNAL_EVENTS if r.type == event.type)
            message = aio_pika.Message(
                encode(event),
                content_type=CONTENT_TYPE,
                message_id=event.id,
                user_id=stack.user_id(PORTAL_USER),
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            )
            await exchange.publish(message, routing_key=route.key(PLATFORM_OIN), mandatory=True)
