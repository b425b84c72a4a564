"""The repository against the real FerretDB/MongoDB: free-text labels round-trip, every event
is stored once, and the current version is derived from what is stored."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from gegevens.adapters import mongo
from gegevens.adapters.mongo import RegistrationRepository
from gegevens.domain import model
from mijnoverheid.contracts.gegevens import Fact, RegistrationChanged, RegistrationRemoved
from mijnoverheid.testing.citizens import random_bsn
from mijnoverheid.testing.platform import Platform

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
async def repository(platform: Platform) -> AsyncIterator[RegistrationRepository]:
    name = f"gegevens_storage_{uuid.uuid4().hex[:8]}"
    database = platform.mongo[name]
    await mongo.create_indexes(database)
    await mongo.create_indexes(database)  # idempotent, as at every start-up
    yield RegistrationRepository(database)
    await platform.mongo.drop_database(name)


def change(bsn: str, event_id: str, days: int, labels: list[str]) -> model.Version:
    facts = [{"label": label, "value": {"type": "text", "text": label}} for label in labels]
    data = RegistrationChanged.model_validate(
        {
            "recipient_bsn": bsn,
            "register_code": "WOZ",
            "registration_key": "0518.$1",
            "facts": facts,
            "valid_from": (T0 + timedelta(days=days)).isoformat(),
            "where_to_change": {"description": "d", "url": "https://a.example/"},
        }
    )
    return model.version_of(
        event_source=SOURCE, event_id=event_id, organisation_oin="o", data=data, recorded_at=T0
    )


async def test_labels_with_dots_dollars_and_emoji_round_trip(
    repository: RegistrationRepository,
) -> None:
    bsn = random_bsn()
    version = change(bsn, "e1", 0, LABELS)
    assert await repository.add(version)
    stored = await repository.by_event(SOURCE, "e1")
    assert stored is not None
    assert [fact.label for fact in stored.facts] == LABELS
    assert stored.facts == version.facts
    [shown] = await repository.visible_for(bsn)
    assert shown == version
    assert shown.registration_key == "0518.$1"


async def test_typed_values_round_trip(repository: RegistrationRepository) -> None:
    facts = [
        Fact.model_validate({"label": "a", "value": {"type": "amount", "amount": "-0.05"}}),
        Fact.model_validate({"label": "d", "value": {"type": "date", "date": "1970-01-01"}}),
    ]
    version = change(random_bsn(), "e-typed", 0, ["x"])
    version = model.Version(**{**version.__dict__, "facts": tuple(facts)})
    await repository.add(version)
    stored = await repository.by_event(SOURCE, "e-typed")
    assert stored is not None
    assert stored.facts == tuple(facts)


async def test_one_event_is_one_version(repository: RegistrationRepository) -> None:
    bsn = random_bsn()
    assert await repository.add(change(bsn, "e2", 0, ["x"]))
    assert not await repository.add(change(bsn, "e2", 5, ["other"]))
    stored = await repository.by_event(SOURCE, "e2")
    assert stored is not None
    assert stored.facts[0].label == "x", "the first write stays"


async def test_the_current_version_is_derived_from_the_stored_ones(
    repository: RegistrationRepository,
) -> None:
    bsn = random_bsn()
    versions = [change(bsn, f"e3-{days}", days, [f"day {days}"]) for days in (2, 0, 3, 1)]
    for version in versions:
        await repository.add(version)
    registration = versions[0].registration_id
    assert len(await repository.history(registration)) == 4
    shown = await repository.visible(registration, bsn)
    assert shown is not None
    assert shown.event_id == "e3-3"
    assert await repository.visible(registration, random_bsn()) is None, "another citizen"
    removal = RegistrationRemoved.model_validate(
        {
            "recipient_bsn": bsn,
            "register_code": "WOZ",
            "registration_key": "0518.$1",
            "valid_from": (T0 + timedelta(days=4)).isoformat(),
        }
    )
    await repository.add(
        model.version_of(
            event_source=SOURCE, event_id="e3-x", organisation_oin="o", data=removal, recorded_at=T0
        )
    )
    assert await repository.visible(registration, bsn) is None
    assert await repository.visible_for(bsn) == []


async def test_marking_notified_is_stored(repository: RegistrationRepository) -> None:
    version = change(random_bsn(), "e4", 0, ["x"])
    await repository.add(version)
    await repository.mark_notified(version.version_id)
    await repository.mark_notified(version.version_id)
    stored = await repository.by_event(SOURCE, "e4")
    assert stored is not None
    assert stored.notified
