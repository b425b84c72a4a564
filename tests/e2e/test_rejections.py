"""Bad and unauthorised input: rejected or dead-lettered, never stored, never notified, and the
consumer keeps running."""

from __future__ import annotations

import json
import uuid

import aio_pika
import aiormq
import pytest

from mijnoverheid.contracts import events, routing
from mijnoverheid_testing.accounts import consent_changed, publish_as_portal
from mijnoverheid_testing.citizens import invalid_bsn, random_bsn
from mijnoverheid_testing.organisation import OrganisationClient, about, message_sent
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.waiting import wait_until
from tests.e2e.conftest import set_email

pytestmark = pytest.mark.integration


async def _dead_letters(platform: Platform, queue: str) -> list[bytes]:
    """Take what the dead-letter queue holds (the admin user may read any queue)."""
    from mijnoverheid.provisioning import ADMIN_USER

    connection = await aio_pika.connect(platform.stack.broker_url(ADMIN_USER, platform.vhost))
    bodies: list[bytes] = []
    async with connection:
        channel = await connection.channel()
        dead = await channel.get_queue(f"{queue}.dead-letter", ensure=False)
        while (message := await dead.get(fail=False)) is not None:
            bodies.append(message.body)
            await message.ack()
    return bodies


async def _messages_for(platform: Platform, bsn: str) -> int:
    return await platform.database("berichtenbox").messages.count_documents({"recipient_bsn": bsn})


async def test_invalid_bsn_is_rejected_not_stored_not_notified(system: Platform) -> None:
    bsn = invalid_bsn()
    await set_email(system, random_bsn(), "irrelevant@example.nl")
    async with system.client("belastingdienst") as belastingdienst:
        event = message_sent(belastingdienst.organisation, bsn)
        await belastingdienst.publish(event)
        rejected = await belastingdienst.next_event("message-rejected", about(event["id"]))
    assert rejected["data"]["reason"] == "invalid-bsn"
    assert bsn not in json.dumps(rejected), "a rejection never echoes personal data"
    assert await _messages_for(system, bsn) == 0
    assert not any(bsn in mail.text for mail in system.smtp.mails)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"subject": "x" * 201}, "too-large"),
        (
            {
                "attachments": [
                    {
                        "file_name": "a.exe",
                        "media_type": "application/x-msdownload",
                        "content": "TVo=",
                    }
                ]
            },
            "attachment-type-not-allowed",
        ),
        ({"legal_effect": "misschien"}, "malformed"),
    ],
)
async def test_invalid_data_gets_a_specific_reason(
    system: Platform, overrides: dict[str, object], reason: str
) -> None:
    bsn = random_bsn()
    async with system.client("gemeente-voorbeeldstad") as gemeente:
        event = message_sent(gemeente.organisation, bsn, **overrides)
        await gemeente.publish(event)
        rejected = await gemeente.next_event("message-rejected", about(event["id"]))
    assert rejected["data"]["reason"] == reason
    assert await _messages_for(system, bsn) == 0


async def test_source_of_another_organisation_is_an_identity_mismatch(system: Platform) -> None:
    bsn = random_bsn()
    other = system.organisation("belastingdienst")
    async with system.client("gemeente-voorbeeldstad") as gemeente:
        event = message_sent(gemeente.organisation, bsn)
        event["source"] = f"urn:nld:oin:{other.oin}:systeem:aanslagen"
        await gemeente.publish(event)
        rejected = await gemeente.next_event("message-rejected", about(event["id"]))
    assert rejected["data"]["reason"] == "identity-mismatch"
    assert await _messages_for(system, bsn) == 0


@pytest.mark.parametrize(
    ("broker_user", "reason"),
    [("rdw", "service-not-allowed"), ("stichting-voorbeeld", "bsn-not-allowed")],
)
async def test_organisation_without_the_right_is_rejected(
    system: Platform, broker_user: str, reason: str
) -> None:
    bsn = random_bsn()
    async with system.client(broker_user) as organisation:
        event = message_sent(organisation.organisation, bsn)
        await organisation.publish(event)
        rejected = await organisation.next_event("message-rejected", about(event["id"]))
    assert rejected["data"]["reason"] == reason
    assert await _messages_for(system, bsn) == 0


async def test_broker_refuses_another_organisations_routing_key(system: Platform) -> None:
    other = system.organisation("belastingdienst")
    async with system.client("gemeente-voorbeeldstad") as gemeente:
        event = message_sent(gemeente.organisation, random_bsn())
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await gemeente.publish(event, routing_key=events.MESSAGE_SENT.key(other.oin))


async def test_broker_refuses_a_user_id_that_is_not_the_publisher(system: Platform) -> None:
    async with system.client("gemeente-voorbeeldstad") as gemeente:
        event = message_sent(gemeente.organisation, random_bsn())
        with pytest.raises(aiormq.exceptions.ChannelPreconditionFailed):
            await gemeente.publish(event, user_id="belastingdienst")


async def test_broker_refuses_binding_to_another_organisations_receipts(
    system: Platform,
) -> None:
    other = system.organisation("belastingdienst")
    me = system.organisation("gemeente-voorbeeldstad")
    connection = await aio_pika.connect(system.stack.broker_url(me.broker_user, system.vhost))
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(f"org.{me.oin}.snoop", exclusive=True)
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await queue.bind(routing.EXCHANGE, events.MESSAGE_DELIVERED.key(other.oin))


async def test_unparseable_body_is_dead_lettered_and_consumer_keeps_running(
    system: Platform,
) -> None:
    marker = uuid.uuid4().hex.encode()
    async with system.client("belastingdienst") as belastingdienst:
        await belastingdienst.publish(b"\x00 not json " + marker)
        dead = await wait_until(
            lambda: _dead_letters(system, "berichtenbox.message-sent"),
            what="the unparseable body in the dead-letter queue",
        )
        assert any(marker in body for body in dead)

        bsn = random_bsn()
        await belastingdienst.enrol(bsn)
        event = message_sent(belastingdienst.organisation, bsn)
        await belastingdienst.publish(event)
        await belastingdienst.next_event("message-delivered", about(event["id"]))


async def test_publish_without_user_id_cannot_be_attributed_and_is_dead_lettered(
    system: Platform,
) -> None:
    bsn = random_bsn()
    async with system.client("belastingdienst") as belastingdienst:
        event = message_sent(belastingdienst.organisation, bsn)
        await belastingdienst.publish(event, user_id=None)
        dead = await wait_until(
            lambda: _dead_letters(system, "berichtenbox.message-sent"),
            what="the unattributed event in the dead-letter queue",
        )
        assert any(event["id"].encode() in body for body in dead)
        assert not belastingdienst.events("message-rejected", about(event["id"]))
    assert await _messages_for(system, bsn) == 0


async def test_a_citizen_without_an_account_or_without_consent_gets_paper(
    system: Platform,
) -> None:
    """Wmebv: digital only to an activated account, and only with the citizen's consent for
    that organisation; the organisation learns why, and can ask beforehand."""
    no_account, no_consent, withdrawn = random_bsn(), random_bsn(), random_bsn()
    async with system.client("belastingdienst") as belastingdienst:
        await belastingdienst.enrol(withdrawn)
        async with system.client("gemeente-voorbeeldstad") as gemeente:
            await gemeente.enrol(no_consent)  # an account, but consent for the gemeente only
        await publish_as_portal(
            system.stack,
            system.vhost,
            [consent_changed(withdrawn, belastingdienst.organisation.oin, digital=False)],
        )
        await wait_until(
            lambda: _not_digital(belastingdienst, withdrawn),
            what="the withdrawal to reach the Berichtenbox",
        )
        for bsn, reason in [
            (no_account, "account-not-activated"),
            (no_consent, "no-digital-consent"),
            (withdrawn, "no-digital-consent"),
        ]:
            event = message_sent(belastingdienst.organisation, bsn)
            await belastingdienst.publish(event)
            rejected = await belastingdienst.next_event("message-rejected", about(event["id"]))
            assert rejected["data"]["reason"] == reason
            assert bsn not in json.dumps(rejected)
            assert await _messages_for(system, bsn) == 0


async def _not_digital(client: OrganisationClient, bsn: str) -> bool:
    """True once the Berichtenbox answers that the citizen may NOT get digital post."""
    return not await client.all_digital([bsn])
