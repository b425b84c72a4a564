"""Three Gegevens processes compete for shuffled, duplicated events: the stored state is the one
the pure rule gives for the distinct events, every event is one version, each WOZ version is
announced at most once (one id, derived from its event), and what a citizen was last told about
a WOZ registration is what they see: its final version when that is shown, never a change that a
later removal hides."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gegevens.domain import model
from gegevens.domain.model import RegistrationChange
from mijnoverheid.contracts.envelope import derived_event_id
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.stack import demo_registry
from mijnoverheid_testing.waiting import wait_until
from services.gegevens.tests.events import registration_changed, registration_removed, version_of
from services.gegevens.tests.integration.conftest import Gegevens, publish

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _events(gemeente: Any, rdw: Any, citizens: list[str]) -> list[dict[str, Any]]:
    rng = random.Random(20260101)  # a fixed shape; the ids and the order of arrival vary
    events = []
    for bsn in citizens:
        for organisation, register, key in [
            (gemeente, "WOZ", "0518-1"),
            (gemeente, "BRP", "a-nr"),
            (rdw, "RDW-vehicles", "AB-123-C"),
        ]:
            for _ in range(5):
                factory = registration_removed if rng.random() < 0.3 else registration_changed
                moment = T0 + timedelta(hours=rng.randrange(3))  # ties are likely
                events.append(
                    factory(organisation, bsn, register=register, key=key, valid_from=moment)
                )
    return events


def _refs(events: list[dict[str, Any]], oins: dict[str, str]) -> dict[str, model.VersionRef]:
    """Event id -> the version it becomes (what ordering needs of it)."""
    refs = {}
    for event in events:
        removed = event["type"].endswith("removed")
        sender = demo_registry().by_oin(oins[event["source"]])
        assert sender is not None
        version = version_of(
            event["data"],
            event_id=event["id"],
            recorded_at=T0,
            source=event["source"],
            removed=removed,
            sender=sender,
        )
        refs[event["id"]] = version.ref
    return refs


def _expected(events: list[dict[str, Any]], oins: dict[str, str]) -> dict[str, str]:
    """The pure rule over the distinct events: registration id -> event id shown."""
    refs = _refs(events, oins).values()
    return {ref.registration_id: ref.event_id for ref in model.visible(refs)}


async def test_competing_consumers_end_in_the_state_of_the_pure_rule(platform: Platform) -> None:
    gegevens = Gegevens(platform)
    await gegevens.start(count=3)
    citizens = [random_bsn() for _ in range(6)]
    async with (
        platform.client("gemeente-voorbeeldstad") as gemeente,
        platform.client("rdw") as rdw,
    ):
        events = _events(gemeente.organisation, rdw.organisation, citizens)
        arrival = events + random.sample(events, k=len(events) // 2)
        random.shuffle(arrival)
        clients = {gemeente.organisation.oin: gemeente, rdw.organisation.oin: rdw}
        oins = {event["source"]: event["source"].split(":")[3] for event in events}
        await asyncio.gather(*(publish(clients[oins[e["source"]]], e) for e in arrival))
        expected = _expected(events, oins)

        async def shown() -> dict[str, str]:
            versions = [v for bsn in citizens for v in await gegevens.repository.visible_for(bsn)]
            return {version.registration_id: version.event_id for version in versions}

        async def stored_all() -> bool:
            return await gegevens.count({"recipient_bsn": {"$in": citizens}}) == len(events)

        await wait_until(stored_all, what="every distinct event to be stored", timeout=60)
        await gegevens.settle(gemeente)
        assert await shown() == expected
        announced = gemeente.events(
            "registration-recorded", lambda e: e["data"]["recipient_bsn"] in citizens
        )

    woz = {e["id"]: e for e in events if e["data"]["register_code"] == "WOZ"}
    by_version: dict[str, set[str]] = {}
    for event in announced:
        by_version.setdefault(event["data"]["registration_event_id"], set()).add(event["id"])
    assert set(by_version) <= set(woz), "only WOZ is announced"
    # A redelivery may publish an announcement again, always with the same id (consumers
    # deduplicate on it): counted by id, each version is announced at most once.
    for event_id, ids in by_version.items():
        source = woz[event_id]["source"]
        expected_id = derived_event_id(source, event_id, "registration-recorded")
        assert ids == {expected_id}, "one event id per version, derived from its event"
    for event_id in expected.values():
        if event_id in woz:
            assert event_id in by_version, "the version shown was announced"

    # What the citizen was last told is what they see. The final version of a registration is
    # newer than every other, so it is announced when it is a change; when it is a removal, the
    # latest announcement (if any) must be a removal too: a stale change announced while the
    # removal that hides it is not, e-mails the citizen about a change they cannot see.
    refs = _refs(list(woz.values()), oins)
    registrations: dict[str, list[model.VersionRef]] = {}
    for ref in refs.values():
        registrations.setdefault(ref.registration_id, []).append(ref)
    for registration_id, versions in registrations.items():
        final = model.latest(versions)
        told = model.latest(
            refs[event_id]
            for event_id in by_version
            if refs[event_id].registration_id == registration_id
        )
        assert final is not None
        if final.change is RegistrationChange.CHANGED:
            assert told == final, f"{registration_id}: the change shown was the last told"
        else:
            assert told is None or told.change is RegistrationChange.REMOVED, (
                f"{registration_id}: told of a change, but the registration is removed"
            )
