"""A Notifier killed (SIGKILL) while sending, twice in a row: the trigger comes back, waits in
place for the dead worker's sending lease without spending its delivery limit, and the citizen
gets exactly one mail."""

from __future__ import annotations

from typing import Any

import pytest

from mijnoverheid.contracts import events as routes
from mijnoverheid.faults import FAILPOINT_ENV, HANG_SUFFIX, HANGING
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.notifier import Notifier, start_notifier
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.waiting import wait_until

pytestmark = pytest.mark.integration

# Long enough that a Notifier started after the kill still finds the lease running (so it
# must wait), short enough for a test.
LEASE_SECONDS = 10
WAITING = "held by another worker, waiting in place"


def _settings(**extra: str) -> dict[str, str]:
    return {"NOTIFIER_SENDING_LEASE_SECONDS": str(LEASE_SECONDS), **extra}


async def _notifier_that_hangs_mid_send(platform: Platform) -> Notifier:
    hang = {FAILPOINT_ENV: f"notifier.after-claim{HANG_SUFFIX}"}
    return await start_notifier(platform, **_settings(**hang, NOTIFIER_DEV_AUTO_VERIFY="true"))


async def _hanging_mid_send(process: ServiceProcess) -> None:
    await wait_until(
        lambda: any(line["message"] == HANGING for line in process.log_lines()),
        what=f"{process.name} to be sending (claimed, the relay's answer not stored)",
    )


def _delivery_counts(process: ServiceProcess) -> set[int]:
    """The trigger's delivery counts the process logged (waiting, or failing)."""
    return {line["delivery_count"] for line in process.log_lines() if "delivery_count" in line}


def _waits(process: ServiceProcess) -> list[dict[str, Any]]:
    return [line for line in process.log_lines() if line["message"] == WAITING]


def _errors(process: ServiceProcess) -> list[dict[str, Any]]:
    return [line for line in process.log_lines() if line["level"] in {"error", "critical"}]


async def test_killed_mid_send_twice_mails_once_and_waits_without_spending_deliveries(
    platform: Platform,
) -> None:
    bsn, email = random_bsn(), Notifier.address()
    first = await _notifier_that_hangs_mid_send(platform)
    async with first.citizen(bsn) as citizen:
        (await citizen.put("/api/v1/contact-details", json={"email": email})).raise_for_status()

    async with platform.client("belastingdienst") as belastingdienst:
        oin = belastingdienst.organisation.oin
        data = {
            "message_id": f"m-{random_bsn()}",
            "sender_oin": oin,
            "reference": "KENMERK-KILL",
            "recipient_bsn": bsn,
            "legal_effect": True,
            "delivered_at": "2026-03-02T10:15:00Z",
        }
        trigger = await first.trigger(routes.MESSAGE_DELIVERED, oin, data)
        await _hanging_mid_send(first.process)

        # The next worker is up before the kill, so the trigger comes back to it while the
        # dead worker's lease still runs; it takes over once the lease is over, and is
        # killed mid-send in its turn.
        second = await _notifier_that_hangs_mid_send(platform)
        await first.process.kill()
        await _hanging_mid_send(second.process)
        third = await start_notifier(platform, **_settings())
        await second.process.kill()

        def outcomes() -> list[str] | None:
            events = belastingdienst.events("notification-status", Notifier.about(trigger))
            found = Notifier.statuses(events)
            return found if "sent" in found else None

        assert await wait_until(outcomes, timeout=3 * LEASE_SECONDS, what="sent") == ["sent"]
        await platform.drained("notifier")  # whatever the kills set off has run its course

    mails = [mail for mail in platform.smtp.mails_to(email) if mail.message["Message-ID"]]
    assert len(mails) == 1, "two workers were killed mid-send, one mail went out"
    # Each kill returned the trigger once (delivery count 1, then 2); the waits for the dead
    # workers' leases changed nothing about it, and are no error.
    for process, kills in ((second.process, 1), (third.process, 2)):
        assert _delivery_counts(process) == {kills}, "only the kills returned the trigger"
        waits = _waits(process)
        assert waits, f"{process.name} found the lease running and waited"
        assert {line["level"] for line in waits} == {"info"}
        assert _errors(process) == []
