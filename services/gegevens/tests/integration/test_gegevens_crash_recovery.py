"""Killed between its durable write and its publish, Gegevens loses nothing: the broker
redelivers, the version is found, and the decision stored with it re-emits the announcement."""

from __future__ import annotations

import pytest

from mijnoverheid.faults import FAILPOINT_ENV, FAILPOINT_EXIT_CODE
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from services.gegevens.tests.events import registration_changed
from services.gegevens.tests.integration.conftest import Gegevens, publish

pytestmark = pytest.mark.integration


async def test_killed_after_the_write_the_announcement_still_comes_once(
    own_platform: Platform,
) -> None:
    gegevens = Gegevens(own_platform)
    [doomed] = await gegevens.start(**{FAILPOINT_ENV: "gegevens.after-store"})
    bsn = random_bsn()
    async with own_platform.client("gemeente-voorbeeldstad") as gemeente:
        event = registration_changed(gemeente.organisation, bsn, register="WOZ")
        await publish(gemeente, event)
        assert await doomed.exited() == FAILPOINT_EXIT_CODE
        stored = await gegevens.stored(event)
        assert stored["notify"]
        assert not stored["notified"]

        await gegevens.start()
        recorded = await gemeente.next_event(
            "registration-recorded", lambda e: e["data"]["recipient_bsn"] == bsn
        )
        await gegevens.settle(gemeente)
        announced = gemeente.events(
            "registration-recorded", lambda e: e["data"]["recipient_bsn"] == bsn
        )
    assert recorded["data"]["registration_event_id"] == event["id"]
    assert [e["id"] for e in announced] == [recorded["id"]]
    assert await gegevens.count({"recipient_bsn": bsn}) == 1
    assert (await gegevens.stored(event))["notified"]
