"""What an organisation may not publish is refused with a reason on its own key, never stored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import about
from mijnoverheid_testing.platform import Platform
from services.gegevens.tests.events import registration_changed, registration_removed
from services.gegevens.tests.integration.conftest import Gegevens, publish

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("broker_user", "overrides", "reason"),
    [
        pytest.param(
            "gemeente-voorbeeldstad",
            {"register": "RDW-vehicles"},
            "register-not-allowed",
            id="other",
        ),
        pytest.param("rdw", {"register": "paspoort"}, "register-not-allowed", id="unknown"),
        pytest.param("rdw", {"url": "http://mijn.rdw.example/"}, "url-not-allowed", id="http"),
        pytest.param(
            "rdw", {"url": "https://loket.voorbeeldstad.example/"}, "url-not-allowed", id="host"
        ),
        pytest.param("rdw", {"facts": []}, "malformed", id="no-facts"),
        pytest.param(
            "rdw",
            {"facts": [{"label": "x" * 101, "value": {"type": "text", "text": "t"}}]},
            "too-large",
            id="label",
        ),
        pytest.param("rdw", {"recipient_bsn": "123456789"}, "invalid-bsn", id="bsn"),
        pytest.param("stichting-voorbeeld", {}, "service-not-allowed", id="service"),
    ],
)
async def test_refused_with_its_reason_and_not_stored(
    platform: Platform,
    gegevens: Gegevens,
    broker_user: str,
    overrides: dict[str, Any],
    reason: str,
) -> None:
    bsn = random_bsn()
    async with platform.client(broker_user) as organisation:
        event = registration_changed(organisation.organisation, bsn, **overrides)
        await publish(organisation, event)
        rejected = await organisation.next_event("event-rejected", about(event["id"]))
    assert rejected["data"]["reason"] == reason
    assert rejected["_routing_key"] == f"gegevens.event-rejected.{organisation.organisation.oin}"
    assert rejected["_user_id"] == "gegevens"
    assert bsn not in json.dumps(rejected)
    assert await gegevens.count({"recipient_bsn": bsn}) == 0


async def test_a_removal_outside_the_organisations_registers_is_refused(
    platform: Platform, gegevens: Gegevens
) -> None:
    bsn = random_bsn()
    async with platform.client("rdw") as rdw:
        removal = registration_removed(rdw.organisation, bsn, register="WOZ")
        await publish(rdw, removal)
        rejected = await rdw.next_event("event-rejected", about(removal["id"]))
    assert rejected["data"]["reason"] == "register-not-allowed"
    assert await gegevens.count({"recipient_bsn": bsn}) == 0


async def test_the_service_keeps_consuming_after_garbage(
    platform: Platform, gegevens: Gegevens
) -> None:
    bsn = random_bsn()
    async with platform.client("rdw") as rdw:
        key = f"gegevens.registration-changed.{rdw.organisation.oin}"
        await rdw.publish(b"\x00 not a cloud event", routing_key=key)
        event = registration_changed(rdw.organisation, bsn)
        await publish(rdw, event)
        await gegevens.stored(event)
