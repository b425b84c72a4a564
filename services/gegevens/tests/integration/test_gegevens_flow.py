"""Registrations through the real broker into FerretDB/MongoDB: recorded once, latest wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from services.gegevens.tests.events import registration_changed, registration_removed
from services.gegevens.tests.integration.conftest import Gegevens, publish

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 1, tzinfo=UTC)
VEHICLE = [
    {"label": "Kenteken", "value": {"type": "text", "text": "AB-123-C"}},
    {"label": "Datum tenaamstelling", "value": {"type": "date", "date": "2024-05-17"}},
    {
        "label": "Motorrijtuigenbelasting per kwartaal",
        "value": {"type": "amount", "amount": "97.00"},
    },
]


async def test_a_change_is_stored_as_a_version_with_typed_facts(
    platform: Platform, gegevens: Gegevens
) -> None:
    bsn = random_bsn()
    async with platform.client("rdw") as rdw:
        event = registration_changed(rdw.organisation, bsn, key="AB-123-C", facts=VEHICLE)
        await publish(rdw, event)
        stored = await gegevens.stored(event)
    assert stored["register_code"] == "RDW-vehicles"
    assert stored["recipient_bsn"] == bsn
    # In the sender's order, amounts as decimal strings with their (default) currency.
    assert stored["facts"][:2] == VEHICLE[:2]
    assert stored["facts"][2]["value"] == {"type": "amount", "amount": "97.00", "currency": "EUR"}
    [shown] = await gegevens.repository.visible_for(bsn)
    assert shown.event_id == event["id"]
    assert shown.where_to_change is not None
    assert shown.where_to_change.url == event["data"]["where_to_change"]["url"]


async def test_the_same_event_twice_is_one_version(platform: Platform, gegevens: Gegevens) -> None:
    bsn = random_bsn()
    async with platform.client("rdw") as rdw:
        event = registration_changed(rdw.organisation, bsn)
        await publish(rdw, event, event)
        await gegevens.stored(event)
        await gegevens.settle(rdw)
    assert await gegevens.count({"recipient_bsn": bsn}) == 1


async def test_a_stale_version_arriving_last_does_not_win(
    platform: Platform, gegevens: Gegevens
) -> None:
    bsn = random_bsn()
    async with platform.client("rdw") as rdw:
        newer = registration_changed(rdw.organisation, bsn, valid_from=T0 + timedelta(days=2))
        older = registration_changed(rdw.organisation, bsn, valid_from=T0 + timedelta(days=1))
        await publish(rdw, newer)
        await gegevens.stored(newer)
        await publish(rdw, older)
        await gegevens.stored(older)
    [shown] = await gegevens.repository.visible_for(bsn)
    assert shown.event_id == newer["id"]
    assert await gegevens.count({"recipient_bsn": bsn}) == 2, "the history is complete"


async def test_a_removal_hides_the_registration_until_a_later_change(
    platform: Platform, gegevens: Gegevens
) -> None:
    bsn = random_bsn()
    async with platform.client("rdw") as rdw:
        org = rdw.organisation
        first = registration_changed(org, bsn, valid_from=T0)
        removal = registration_removed(org, bsn, valid_from=T0 + timedelta(days=1))
        await publish(rdw, first, removal)
        await gegevens.stored(first)
        await gegevens.stored(removal)
        assert await gegevens.repository.visible_for(bsn) == []
        again = registration_changed(org, bsn, valid_from=T0 + timedelta(days=2))
        await publish(rdw, again)
        await gegevens.stored(again)
    assert [v.event_id for v in await gegevens.repository.visible_for(bsn)] == [again["id"]]


async def test_co_owners_each_have_their_own_registration(
    platform: Platform, gegevens: Gegevens
) -> None:
    owner, co_owner = random_bsn(), random_bsn()
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        org = gemeente.organisation
        woz = {"register": "WOZ", "key": "0518-0001"}
        mine = registration_changed(org, owner, valid_from=T0, **woz)
        theirs = registration_changed(org, co_owner, valid_from=T0, **woz)
        removal = registration_removed(org, co_owner, valid_from=T0 + timedelta(days=1), **woz)
        await publish(gemeente, mine, theirs)
        await gegevens.stored(theirs)
        await publish(gemeente, removal)
        await gegevens.stored(mine)
        await gegevens.stored(removal)
    assert len(await gegevens.repository.visible_for(owner)) == 1
    assert await gegevens.repository.visible_for(co_owner) == []
