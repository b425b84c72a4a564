"""The walking skeleton end to end, through the real RabbitMQ, FerretDB/MongoDB and SMTP."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import about, message_sent
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.waiting import wait_until
from tests.e2e.conftest import notification_mails, set_email

pytestmark = pytest.mark.integration


def sent_for(message_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e["data"]["message_id"] == message_id and e["data"]["status"] == "sent"


def _address() -> str:
    return f"burger-{uuid.uuid4().hex[:8]}@example.nl"


async def test_message_is_stored_receipted_and_notified_without_personal_data(
    system: Platform,
) -> None:
    bsn, address = random_bsn(), _address()
    await set_email(system, bsn, address)
    async with system.client("belastingdienst") as belastingdienst:
        await belastingdienst.enrol(bsn)
        event = message_sent(belastingdienst.organisation, bsn)
        await belastingdienst.publish(event)

        delivered = await belastingdienst.next_event("message-delivered", about(event["id"]))
        message_id = delivered["data"]["message_id"]
        stored = await system.database("berichtenbox").messages.find_one({"_id": message_id})
        assert stored is not None
        assert stored["recipient_bsn"] == bsn
        assert stored["subject"] == event["data"]["subject"]
        assert delivered["_routing_key"].endswith(belastingdienst.organisation.oin)
        assert delivered["_user_id"] == "berichtenbox", "receipts are published as the service"

        status = await belastingdienst.next_event("notification-status", sent_for(message_id))
        assert [
            e["data"]["status"]
            for e in belastingdienst.events("notification-status")
            if e["data"]["message_id"] == message_id
        ] == ["created", "sending", "sent"]
        assert status["data"]["smtp_reply"]["code"] == 250
        await system.drained()  # a late duplicate would show as a second mail

    mails = notification_mails(system, address)
    assert len(mails) == 1
    text = mails[0].text
    assert "Belastingdienst" in text
    for secret in (bsn, event["data"]["subject"], event["data"]["body"], "Vertrouwelijk-7731"):
        assert secret not in text


async def test_same_event_twice_gives_one_message_one_mail_one_receipt(system: Platform) -> None:
    bsn, address = random_bsn(), _address()
    await set_email(system, bsn, address)
    async with system.client("gemeente-voorbeeldstad") as gemeente:
        await gemeente.enrol(bsn)
        event = message_sent(gemeente.organisation, bsn, legal_effect=False)
        await gemeente.publish(event)
        await gemeente.publish(event)

        receipts = await wait_until(
            lambda: (
                len(gemeente.events("message-delivered", about(event["id"]))) >= 2
                and gemeente.events("message-delivered", about(event["id"]))
            ),
            what="both receipts",
        )
        assert receipts[0]["id"] == receipts[1]["id"], "a redelivery re-emits the same receipt"
        message_id = receipts[0]["data"]["message_id"]
        await gemeente.next_event("notification-status", sent_for(message_id))
        await system.drained()  # both deliveries handled in full, not just the first
    count = await system.database("berichtenbox").messages.count_documents({"recipient_bsn": bsn})
    assert count == 1
    assert len(notification_mails(system, address)) == 1


async def test_citizen_without_address_gets_no_mail_and_status_says_so(system: Platform) -> None:
    bsn = random_bsn()
    async with system.client("belastingdienst") as belastingdienst:
        await belastingdienst.enrol(bsn)
        event = message_sent(belastingdienst.organisation, bsn)
        await belastingdienst.publish(event)
        delivered = await belastingdienst.next_event("message-delivered", about(event["id"]))
        message_id = delivered["data"]["message_id"]
        await belastingdienst.next_event(
            "notification-status",
            lambda e: e["data"]["message_id"] == message_id and e["data"]["status"] == "no-contact",
        )
    assert not any(bsn in mail.text for mail in system.smtp.mails)


async def test_services_expose_prometheus_metrics_without_personal_data(system: Platform) -> None:
    bsn = random_bsn()
    async with system.client("belastingdienst") as belastingdienst:
        await belastingdienst.enrol(bsn)
        event = message_sent(belastingdienst.organisation, bsn)
        await belastingdienst.publish(event)
        await belastingdienst.next_event("message-delivered", about(event["id"]))
    berichtenbox = next(p for p in system.processes.values() if p.name == "berichtenbox")
    async with httpx.AsyncClient(base_url=berichtenbox.base_url) as client:
        text = (await client.get("/metrics")).text
    acked = [
        line
        for line in text.splitlines()
        if line.startswith("mijnoverheid_deliveries_total")
        and 'queue="berichtenbox.message-sent"' in line
        and 'outcome="acked"' in line
    ]
    assert acked, text[:2000]
    assert float(acked[0].rsplit(" ", 1)[1]) >= 1
    assert bsn not in text
    assert event["data"]["subject"] not in text
