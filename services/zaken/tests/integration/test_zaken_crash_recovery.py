"""Killed between the durable write and the ack, zaken loses nothing and doubles nothing: the
broker redelivers, the report is found in its slot, the same announcement is made."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from mijnoverheid.faults import FAILPOINT_ENV, FAILPOINT_EXIT_CODE
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("failpoint", ["zaken.after-store", "zaken.after-claim"])
async def test_killed_between_write_and_ack_records_and_announces_once(
    own_platform: Platform,
    send: Callable[..., Awaitable[None]],
    status_event: Callable[..., dict[str, Any]],
    about_event: Callable[[str], Callable[[dict[str, Any]], bool]],
    failpoint: str,
) -> None:
    platform, bsn = own_platform, random_bsn()
    doomed = platform.service("zaken").start(**{FAILPOINT_ENV: failpoint})
    await doomed.ready()
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        event = status_event(gemeente.organisation, bsn, "Z-CRASH")
        await send(gemeente, event)
        assert await doomed.exited() == FAILPOINT_EXIT_CODE

        restarted = platform.service("zaken").start()
        await restarted.ready()
        recorded = await gemeente.next_event("case-status-recorded", about_event(event["id"]))
        assert {e["id"] for e in gemeente.events("case-status-recorded")} == {recorded["id"]}

    statuses = platform.database("zaken").case_statuses
    assert await statuses.count_documents({"bsn": bsn}) == 1
