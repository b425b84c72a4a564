"""An operator's dead letters (python -m mijnoverheid.deadletters, run as the real command
against the real broker): good triggers dead-lettered by a misconfigured Notifier are listed
without personal data, shown, and replayed once it is fixed; the citizen gets one mail."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from typing import Any

import pytest

from mijnoverheid.contracts import events as routes
from mijnoverheid.provisioning import OPERATOR_USER
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.notifier import Notifier, start_notifier
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.waiting import wait_until
from tests.e2e.conftest import notification_mails

pytestmark = pytest.mark.integration

QUEUE = "notifier.message-delivered"


async def deadletters(platform: Platform, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ},
        "AMQP_URL": platform.stack.broker_url(OPERATOR_USER, platform.vhost),
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "mijnoverheid.deadletters", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


async def listed(platform: Platform, *arguments: str) -> list[dict[str, Any]]:
    done = await deadletters(platform, "list", "--queue", QUEUE, "--json", *arguments)
    return [json.loads(line) for line in done.stdout.splitlines()]


async def test_dead_letters_are_listed_without_personal_data_and_replayed_once(
    platform: Platform,
) -> None:
    bsn, email = random_bsn(), Notifier.address()
    reference = "KENMERK-DEADLETTER"
    # Trusting the wrong publisher, it dead-letters the Berichtenbox's good triggers.
    misconfigured = await start_notifier(
        platform, BERICHTENBOX_BROKER_USER="zaken", NOTIFIER_DEV_AUTO_VERIFY="true"
    )
    async with misconfigured.citizen(bsn) as citizen:
        (await citizen.put("/api/v1/contact-details", json={"email": email})).raise_for_status()

    async with platform.client("belastingdienst") as belastingdienst:
        oin = belastingdienst.organisation.oin
        data = {
            "message_id": f"m-{random_bsn()}",
            "sender_oin": oin,
            "reference": reference,
            "recipient_bsn": bsn,
            "legal_effect": True,
            "delivered_at": "2026-03-02T10:15:00Z",
        }
        trigger = await misconfigured.trigger(routes.MESSAGE_DELIVERED, oin, data)
        # The same trigger once more (a redelivery after a crash, say): two dead letters.
        await misconfigured.trigger(routes.MESSAGE_DELIVERED, oin, data, event_id=trigger["id"])

        async def both_dead() -> list[dict[str, Any]] | None:
            found = await listed(platform)
            return found if len(found) == 2 else None

        letters = await wait_until(both_dead, what="both copies in the dead-letter queue")
        for letter in letters:
            assert letter["id"] == trigger["id"]
            assert letter["queue"] == QUEUE
            assert letter["reason"] == "rejected"
            assert letter["event_type"] == routes.MESSAGE_DELIVERED.type
            assert letter["source"] == trigger["source"]
            assert letter["user_id"] == "berichtenbox"
            assert letter["routing_key"] == routes.MESSAGE_DELIVERED.key(oin)
        table = (await deadletters(platform, "list")).stdout
        assert [QUEUE, "rejected", "2"] in [line.split() for line in table.splitlines()]
        shown = (await deadletters(platform, "show", trigger["id"])).stdout
        assert '"deaths"' in shown
        for output in (json.dumps(letters), table, shown):
            for personal in (bsn, email, reference, data["message_id"]):
                assert personal not in output

        # Fixed: the Notifier trusts the Berichtenbox again. Replay both copies.
        misconfigured.process.stop()
        await start_notifier(platform, NOTIFIER_DEV_AUTO_VERIFY="true")
        replay = await deadletters(platform, "replay", "--queue", QUEUE, "--reason", "rejected")
        assert "replayed 2 of 2 dead letters" in replay.stdout
        assert "2/2 replayed" in replay.stderr  # the progress

        def sent() -> bool:
            outcomes = belastingdienst.events("notification-status", Notifier.about(trigger))
            return "sent" in Notifier.statuses(outcomes)

        await wait_until(sent, what="the replayed trigger's mail")
        await platform.drained("notifier")

    assert len(notification_mails(platform, email)) == 1, "two replays, one notification"
    assert await listed(platform) == []
