"""registration-recorded, the Notifier's trigger: only for registers the registry opts in (WOZ
at the Gemeente Voorbeeldstad), only for a newer version, once per version, without facts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from services.gegevens.tests.events import registration_changed, registration_removed
from services.gegevens.tests.integration.conftest import Gegevens, publish

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def for_citizen(bsn: str) -> Any:
    return lambda event: event["data"]["recipient_bsn"] == bsn


async def test_a_woz_change_is_announced_without_facts(
    platform: Platform, gegevens: Gegevens
) -> None:
    bsn = random_bsn()
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        event = registration_changed(gemeente.organisation, bsn, register="WOZ", valid_from=T0)
        await publish(gemeente, event)
        recorded = await gemeente.next_event("registration-recorded", for_citizen(bsn))
    stored = await gegevens.stored(event)
    assert recorded["type"] == "nl.mijnoverheid.gegevens.registration-recorded"
    assert recorded["_routing_key"] == f"gegevens.registration-recorded.{gemeente.organisation.oin}"
    assert recorded["_user_id"] == "gegevens"
    assert recorded["data"] == {
        "registration_id": stored["registration_id"],
        "register_code": "WOZ",
        "organisation_oin": gemeente.organisation.oin,
        "recipient_bsn": bsn,
        "valid_from": "2026-01-01T00:00:00Z",
        "change": "changed",
        "registration_event_id": event["id"],
    }
    assert "312000" not in json.dumps(recorded)


async def test_brp_stale_and_duplicate_versions_are_not_announced(
    platform: Platform, gegevens: Gegevens
) -> None:
    brp_citizen, woz_citizen = random_bsn(), random_bsn()
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        org = gemeente.organisation
        brp = registration_changed(org, brp_citizen, register="BRP")
        newer = registration_changed(org, woz_citizen, register="WOZ", valid_from=T0)
        older = registration_changed(org, woz_citizen, register="WOZ", valid_from=T0 - timedelta(1))
        await publish(gemeente, brp, newer, newer)
        await gegevens.stored(newer)
        await publish(gemeente, older)
        await gegevens.stored(older)
        await gegevens.stored(brp)
        await gegevens.settle(gemeente)
        assert gemeente.events("registration-recorded", for_citizen(brp_citizen)) == []
        announced = gemeente.events("registration-recorded", for_citizen(woz_citizen))
    # Once per version: a duplicate arriving while the first delivery is still between its
    # insert and its confirmed publish may re-emit, but always the very same event (same id).
    assert {event["id"] for event in announced} == {announced[0]["id"]}
    assert announced[0]["data"]["registration_event_id"] == newer["id"]


async def test_a_woz_removal_is_announced_and_rdw_never(
    platform: Platform, gegevens: Gegevens
) -> None:
    bsn = random_bsn()
    async with (
        platform.client("gemeente-voorbeeldstad") as gemeente,
        platform.client("rdw") as rdw,
    ):
        change = registration_changed(gemeente.organisation, bsn, register="WOZ", valid_from=T0)
        removal = registration_removed(
            gemeente.organisation, bsn, register="WOZ", valid_from=T0 + timedelta(days=1)
        )
        vehicle = registration_changed(rdw.organisation, bsn)
        await publish(gemeente, change)
        await gemeente.next_event("registration-recorded", for_citizen(bsn))
        await publish(gemeente, removal)
        await publish(rdw, vehicle)
        removed = await gemeente.next_event(
            "registration-recorded", lambda e: e["data"]["change"] == "removed"
        )
        await gegevens.stored(vehicle)
        await gegevens.settle(rdw)
        assert rdw.events("registration-recorded") == []
    assert removed["data"]["registration_event_id"] == removal["id"]
