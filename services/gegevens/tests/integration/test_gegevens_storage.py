"""The repository against the real FerretDB/MongoDB: free-text labels round-trip, every event
is stored once, in its registration's numbered slots, each decided against the slots before it
(also when recorded concurrently), and the current version is derived from what is stored."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from gegevens.adapters import mongo
from gegevens.adapters.mongo import VERSIONS, RegistrationRepository
from gegevens.domain import model
from gegevens.domain.model import Fact, RegistrationChange
from gegevens.ports import Recorded
from mijnoverheid.storage import Document
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from services.gegevens.tests.events import version_of

pytestmark = pytest.mark.integration

LABELS = [
    "WOZ.waarde",
    "a.b.c",
    ".",
    "$set",
    "$",
    "$where",
    "prijs in $ (dollar)",
    "a$b",
    "🚗 kenteken 🏠",
    "Straße — ‘quotes’ “here”",
    "_id",
    "значение",
    "值",
    "\u202eRTL",
    "tab\tand\nnewline",
]
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SOURCE = "urn:nld:oin:00000001001234567000:systeem:woz"


@pytest.fixture
async def database(platform: Platform) -> AsyncIterator[AsyncDatabase[Document]]:
    name = f"gegevens_storage_{uuid.uuid4().hex[:8]}"
    database = platform.mongo[name]
    await mongo.create_indexes(database)
    await mongo.create_indexes(database)  # idempotent, as at every start-up
    yield database
    await platform.mongo.drop_database(name)


@pytest.fixture
def repository(database: AsyncDatabase[Document]) -> RegistrationRepository:
    return RegistrationRepository(database)


async def record(repository: RegistrationRepository, version: model.Version) -> Recorded:
    """Recorded with the handlers' rule (as if every register notified)."""
    return await repository.record(version, lambda before: model.announces(version.ref, before))


def removal(bsn: str, event_id: str, days: int) -> model.Version:
    data = {
        "recipient_bsn": bsn,
        "register_code": "WOZ",
        "registration_key": "0518.$1",
        "valid_from": (T0 + timedelta(days=days)).isoformat(),
    }
    return version_of(data, event_id=event_id, recorded_at=T0, source=SOURCE, removed=True)


def change(bsn: str, event_id: str, days: int, labels: list[str]) -> model.Version:
    facts = [{"label": label, "value": {"type": "text", "text": label}} for label in labels]
    data = {
        "recipient_bsn": bsn,
        "register_code": "WOZ",
        "registration_key": "0518.$1",
        "facts": facts,
        "valid_from": (T0 + timedelta(days=days)).isoformat(),
        "where_to_change": {"description": "d", "url": "https://a.example/"},
    }
    return version_of(data, event_id=event_id, recorded_at=T0, source=SOURCE)


async def test_labels_with_dots_dollars_and_emoji_round_trip(
    repository: RegistrationRepository,
) -> None:
    bsn = random_bsn()
    version = change(bsn, "e1", 0, LABELS)
    recorded = await record(repository, version)
    assert recorded.version.slot == 0
    stored = await repository.by_event(SOURCE, "e1")
    assert stored is not None
    assert [fact.label for fact in stored.facts] == LABELS
    assert stored.facts == version.facts
    [shown] = await repository.visible_for(bsn)
    assert shown == recorded.version == stored
    assert shown.registration_key == "0518.$1"


async def test_typed_values_round_trip(repository: RegistrationRepository) -> None:
    facts = [
        Fact("a", {"type": "amount", "amount": "-0.05", "currency": "EUR"}),
        Fact("d", {"type": "date", "date": "1970-01-01"}),
    ]
    version = change(random_bsn(), "e-typed", 0, ["x"])
    version = model.Version(**{**version.__dict__, "facts": tuple(facts)})
    await record(repository, version)
    stored = await repository.by_event(SOURCE, "e-typed")
    assert stored is not None
    assert stored.facts == tuple(facts)


async def test_one_event_is_one_version(repository: RegistrationRepository) -> None:
    bsn = random_bsn()
    first = await record(repository, change(bsn, "e2", 0, ["x"]))
    again = await record(repository, change(bsn, "e2", 5, ["other"]))
    assert again == first, "found in its own slot, with the decision taken then"
    assert not again.concurrent
    stored = await repository.by_event(SOURCE, "e2")
    assert stored is not None
    assert stored.facts[0].label == "x", "the first write stays"
    assert len(await repository.history(first.version.registration_id)) == 1


async def test_the_current_version_is_derived_from_the_stored_ones(
    repository: RegistrationRepository,
) -> None:
    bsn = random_bsn()
    versions = [change(bsn, f"e3-{days}", days, [f"day {days}"]) for days in (2, 0, 3, 1)]
    for version in versions:
        await record(repository, version)
    registration = versions[0].registration_id
    history = await repository.history(registration)
    assert [v.event_id for v in history] == ["e3-2", "e3-0", "e3-3", "e3-1"], "in slot order"
    assert [v.slot for v in history] == [0, 1, 2, 3]
    assert [v.notify for v in history] == [True, False, True, False], "against the slots before"
    shown = await repository.visible(registration, bsn)
    assert shown is not None
    assert shown.event_id == "e3-3"
    assert await repository.visible(registration, random_bsn()) is None, "another citizen"
    await record(repository, removal(bsn, "e3-x", 4))
    assert await repository.visible(registration, bsn) is None
    assert await repository.visible_for(bsn) == []


async def test_marking_notified_is_stored(repository: RegistrationRepository) -> None:
    recorded = await record(repository, change(random_bsn(), "e4", 0, ["x"]))
    assert not recorded.version.notified
    await repository.mark_notified(recorded.version)
    await repository.mark_notified(recorded.version)
    stored = await repository.by_event(SOURCE, "e4")
    assert stored is not None
    assert stored.notified
    again = await record(repository, change(stored.recipient_bsn, "e4", 0, ["x"]))
    assert again.version.notified, "a redelivery finds it confirmed"


async def test_versions_recorded_at_once_fill_the_slots_in_order_and_decide_on_them(
    repository: RegistrationRepository, database: AsyncDatabase[Document]
) -> None:
    """Many versions (and duplicates) of one registration recorded at once by several
    repositories, as competing consumers do: one slot per event, no gaps, and each decision
    is the rule applied to the slots before it; recorded again, each finds its own slot."""
    bsn = random_bsn()
    rng = random.Random(20260101)
    versions = [
        removal(bsn, f"e5-{n}", rng.randrange(4))
        if rng.random() < 0.4
        else change(bsn, f"e5-{n}", rng.randrange(4), [f"fact {n}"])
        for n in range(12)
    ]
    writers = [RegistrationRepository(database) for _ in range(4)]
    arrival = versions + rng.sample(versions, k=6)
    rng.shuffle(arrival)
    results = await asyncio.gather(
        *(record(writers[n % len(writers)], version) for n, version in enumerate(arrival))
    )
    registration = versions[0].registration_id
    slots = await repository.history(registration)
    assert sorted(v.event_id for v in slots) == sorted(v.event_id for v in versions)
    assert [v.slot for v in slots] == list(range(len(versions)))
    ids = [d["_id"] async for d in database[VERSIONS].find({"registration_id": registration})]
    assert sorted(ids) == sorted(f"{registration}#{n}" for n in range(len(versions)))
    for n, version in enumerate(slots):
        assert version.notify == model.announces(version.ref, [v.ref for v in slots[:n]])
    by_event = {v.event_id: v for v in slots}
    for result in results:
        assert result.version == by_event[result.version.event_id]
    # The last announced is what the citizen sees (a change shown, or nothing/a removal).
    told = [v for v in slots if v.notify]
    last = max(told, key=lambda v: v.ref.order, default=None)
    shown = await repository.visible(registration, bsn)
    if shown is not None:
        assert last is not None
        assert last.event_id == shown.event_id
    else:
        assert last is None or last.change is RegistrationChange.REMOVED
    again = await asyncio.gather(*(record(repository, version) for version in versions))
    assert [r.version for r in again] == [by_event[v.event_id] for v in versions]
