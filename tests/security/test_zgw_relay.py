"""The ZGW connector publishes for organisations, and for no one else: the broker lets its user
write only the relayed keys of the organisations the registry configures for it (besides its
own internal keys), never another user_id, never the default exchange, never configure what is
not its own; and Zaken's gate dead-letters a relayed event for an organisation it does not
configure for the connector, even if the broker were to let it through. Real broker, real Zaken.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aio_pika
import aiormq.exceptions
import pytest

from mijnoverheid.contracts import events, routing
from mijnoverheid.contracts.envelope import CONTENT_TYPE, source_for, utc_now
from mijnoverheid.provisioning import RELAY_USER
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.waiting import wait_until

pytestmark = pytest.mark.integration

GEMEENTE = "gemeente-voorbeeldstad"  # configured for the connector (config/organisations.yaml)
UWV = "uwv"  # registered for zaken, not for the connector


def status_event(oin: str, bsn: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source_for(oin, "zgw-connector"),
        "type": events.CASE_STATUS_CHANGED.type,
        "time": utc_now().isoformat(),
        "data": {
            "identificatie": f"ZAAK-{uuid.uuid4().hex[:8]}",
            "bsn": bsn,
            "zaaktype_omschrijving": "Aanvraag parkeervergunning",
            "statustype_code": "ontvangen",
            "statustype_omschrijving": "Ontvangen",
            "datum_status_gezet": utc_now().isoformat(),
            "is_eindstatus": False,
            "dossier_url": "https://loket.voorbeeldstad.example/zaken/Z",
        },
    }


@pytest.fixture(scope="module")
async def zaken(platform: Platform) -> ServiceProcess:
    process = platform.service("zaken").start(ZGW_CONNECTOR_BROKER_USER=RELAY_USER)
    await process.ready()
    return process


@pytest.fixture
async def relay(platform: Platform) -> AsyncIterator[aio_pika.abc.AbstractRobustConnection]:
    connection = await platform.stack.connect(RELAY_USER, platform.vhost)
    async with connection:
        yield connection


async def publish(
    connection: aio_pika.abc.AbstractConnection,
    event: dict[str, Any],
    key: str,
    *,
    user_id: str = RELAY_USER,
    exchange: str = routing.EXCHANGE,
) -> None:
    channel = await connection.channel(publisher_confirms=True)
    try:
        target = (
            channel.default_exchange
            if exchange == ""
            else await channel.get_exchange(exchange, ensure=False)
        )
        await target.publish(
            aio_pika.Message(
                json.dumps(event).encode(),
                content_type=CONTENT_TYPE,
                message_id=event["id"],
                user_id=user_id,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=key,
            mandatory=True,
        )
    finally:
        if not channel.is_closed:
            await channel.close()


async def test_the_relay_publishes_for_a_configured_organisation(
    platform: Platform, zaken: ServiceProcess, relay: aio_pika.abc.AbstractConnection
) -> None:
    bsn = random_bsn()
    async with platform.client(GEMEENTE) as gemeente:
        oin = gemeente.organisation.oin
        event = status_event(oin, bsn)
        await publish(relay, event, events.CASE_STATUS_CHANGED.key(oin))
        recorded = await gemeente.next_event(
            "case-status-recorded", lambda e: e["data"]["status_event_id"] == event["id"]
        )
    assert recorded["data"]["recipient_bsn"] == bsn
    assert recorded["data"]["organisation_oin"] == oin


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("uwv", id="the same event for an organisation not configured for it"),
        pytest.param("message-sent", id="another service's key of a configured organisation"),
        pytest.param("recorded", id="an outbound key"),
        pytest.param("retry-of-notifier", id="another service's internal key"),
    ],
)
async def test_the_broker_refuses_every_other_key(
    platform: Platform, relay: aio_pika.abc.AbstractConnection, key: str
) -> None:
    gemeente, uwv = platform.organisation(GEMEENTE), platform.organisation(UWV)
    keys = {
        "uwv": events.CASE_STATUS_CHANGED.key(uwv.oin),
        "message-sent": events.MESSAGE_SENT.key(gemeente.oin),
        "recorded": events.CASE_STATUS_RECORDED.key(gemeente.oin),
        "retry-of-notifier": "notifier.retry",
    }
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused, match="topic"):
        await publish(relay, status_event(gemeente.oin, random_bsn()), keys[key])


async def test_the_broker_refuses_the_default_exchange(
    platform: Platform, relay: aio_pika.abc.AbstractConnection
) -> None:
    # The default exchange reaches any queue by its name, past every topic permission.
    gemeente = platform.organisation(GEMEENTE)
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
        await publish(
            relay,
            status_event(gemeente.oin, random_bsn()),
            "zaken.case-status-changed",
            exchange="",
        )


async def test_the_broker_refuses_another_user_id(
    platform: Platform, relay: aio_pika.abc.AbstractConnection
) -> None:
    gemeente = platform.organisation(GEMEENTE)
    event = status_event(gemeente.oin, random_bsn())
    with pytest.raises(aiormq.exceptions.ChannelPreconditionFailed):
        await publish(
            relay, event, events.CASE_STATUS_CHANGED.key(gemeente.oin), user_id=gemeente.broker_user
        )


async def test_the_relay_configures_reads_and_binds_only_its_own(
    platform: Platform, relay: aio_pika.abc.AbstractConnection
) -> None:
    gemeente = platform.organisation(GEMEENTE)
    attempts = [
        lambda channel: channel.declare_exchange(
            routing.EXCHANGE,
            aio_pika.ExchangeType.TOPIC,
            durable=True,
            arguments={"alternate-exchange": routing.UNROUTED_EXCHANGE},
        ),
        lambda channel: channel.declare_queue("zaken.snoop", durable=True),
        lambda channel: channel.declare_queue("zaken.case-status-changed", passive=True),
    ]
    for attempt in attempts[:2]:
        channel = await relay.channel()
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await attempt(channel)
    channel = await relay.channel()
    others = await attempts[2](channel)
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
        await others.get(no_ack=False, fail=False)
    channel = await relay.channel()
    own = await channel.declare_queue(f"{RELAY_USER}.snoop", exclusive=True)
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused, match="topic"):
        await own.bind(routing.EXCHANGE, events.CASE_STATUS_RECORDED.key(gemeente.oin))


async def test_zaken_dead_letters_a_relayed_event_for_an_organisation_it_does_not_configure(
    own_platform: Platform, tmp_path: Path
) -> None:
    """Defence in depth: a Zaken whose registry does not configure the municipality for the
    connector (as if the broker's grant were stale) accepts nothing the relay sends for it,
    and does not answer the municipality either: it did not send it."""
    document = own_platform.registry.model_dump(mode="json")
    for org in document["organisations"]:
        org.pop("zgw", None)
    stricter = tmp_path / "organisations.json"
    stricter.write_text(json.dumps(document))
    process = own_platform.service("zaken").start(
        ZGW_CONNECTOR_BROKER_USER=RELAY_USER, ORGANISATION_REGISTRY=str(stricter)
    )
    await process.ready()
    gemeente = own_platform.organisation(GEMEENTE)
    connection = await own_platform.stack.connect(RELAY_USER, own_platform.vhost)
    async with connection, own_platform.client(GEMEENTE) as client:
        for _ in range(2):
            await publish(
                connection,
                status_event(gemeente.oin, random_bsn()),
                events.CASE_STATUS_CHANGED.key(gemeente.oin),
            )
        await wait_until(
            lambda: dead_letters(own_platform, "zaken.case-status-changed") == 2,
            what="both relayed events dead-lettered",
        )
        await own_platform.drained("zaken")
        assert client.events("event-rejected") == [], "the organisation is not told"
    reasons = [line.get("reason") for line in process.log_lines() if "reason" in line]
    assert reasons.count("relay published for an organisation it does not serve") == 2


def dead_letters(platform: Platform, queue: str) -> int:
    with platform.stack.management() as management:
        found = management.get(f"/api/queues/{platform.vhost}/{queue}.dead-letter")
    return int(found.json().get("messages", 0)) if found.status_code == 200 else 0
