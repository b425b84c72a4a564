"""Property: whatever the order of arrival and however many duplicates, the handlers end in the
state the pure rule gives, announce the final version, and never announce a stale one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gegevens.domain import model
from gegevens.domain.model import RegistrationChange
from mijnoverheid.identity import OrganisationRegistry
from services.gegevens.tests.events import delivery, registration_changed, registration_removed
from services.gegevens.tests.unit.conftest import Service

BSNS = ("999993653", "999990019")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
CHANGED = RegistrationChange.CHANGED


def _event(registry: OrganisationRegistry, spec: tuple[int, str, str, int, bool]) -> Any:
    number, bsn, key, minute, removal = spec
    gemeente = registry.by_broker_user("gemeente-voorbeeldstad")
    assert gemeente is not None
    factory = registration_removed if removal else registration_changed
    event = factory(
        gemeente, bsn, register="WOZ", key=key, valid_from=T0 + timedelta(minutes=minute)
    )
    event["id"] = f"evt-{number:03d}"
    return event


specs = st.lists(
    st.tuples(
        st.integers(0, 999),
        st.sampled_from(BSNS),
        st.sampled_from(["A", "B"]),
        st.integers(0, 4),  # few moments: ties on valid_from are common
        st.booleans(),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda spec: spec[0],
)


def _expected(events: list[Any]) -> dict[tuple[str, str], str]:
    """The oracle, written independently: latest (valid_from, id) per registration, if a change."""
    latest: dict[tuple[str, str], Any] = {}
    for event in events:
        data = event["data"]
        registration = (data["recipient_bsn"], data["registration_key"])
        order = (datetime.fromisoformat(data["valid_from"]), event["id"])
        if registration not in latest or order > latest[registration][0]:
            latest[registration] = (order, event)
    return {
        registration: event["id"]
        for registration, (_, event) in latest.items()
        if event["type"].endswith("registration-changed")
    }


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=specs, data=st.data())
def test_any_order_with_duplicates_ends_in_the_same_state(
    registry: OrganisationRegistry, specs: list[tuple[int, str, str, int, bool]], data: Any
) -> None:
    events = [_event(registry, spec) for spec in specs]
    duplicates = data.draw(st.lists(st.sampled_from(events), max_size=8))
    arrival = data.draw(st.permutations(events + duplicates))
    service = Service(registry)
    gemeente = registry.by_broker_user("gemeente-voorbeeldstad")
    assert gemeente is not None

    async def run() -> dict[tuple[str, str], str]:
        for event in arrival:
            await service.handle(delivery(gemeente, event))
        shown = [v for bsn in BSNS for v in await service.store.visible_for(bsn)]
        return {(v.recipient_bsn, v.registration_key): v.event_id for v in shown}

    expected = _expected(events)
    assert asyncio.run(run()) == expected

    announced = [
        e.data["registration_event_id"] for e in service.publisher.of("registration-recorded")
    ]
    assert len(announced) == len(set(announced)), "a duplicate announces nothing again"
    assert set(expected.values()) <= set(announced), "the version shown was announced"
    # Never stale: each announced version was, at its first arrival, newer than all before it.
    newest: dict[tuple[str, str], tuple[datetime, str]] = {}
    first_arrivals = {event["id"]: event for event in arrival}.values()  # in order of arrival
    for event in first_arrivals:
        d = event["data"]
        registration = (d["recipient_bsn"], d["registration_key"])
        order = (datetime.fromisoformat(d["valid_from"]), event["id"])
        fresh = registration not in newest or order > newest[registration]
        if event["id"] in announced:
            assert fresh, "a stale version was announced"
        if fresh:
            newest[registration] = order


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=specs, data=st.data())
def test_all_at_once_announces_as_one_after_the_other_would(
    registry: OrganisationRegistry, specs: list[tuple[int, str, str, int, bool]], data: Any
) -> None:
    """Every delivery at once (as concurrent deliveries and competing consumers interleave):
    the same state; the versions announced are those that recording them one after another,
    in the order they took their slots, announces; and a redelivery of everything announces
    exactly that again."""
    events = [_event(registry, spec) for spec in specs]
    duplicates = data.draw(st.lists(st.sampled_from(events), max_size=8))
    arrival = data.draw(st.permutations(events + duplicates))
    service = Service(registry)
    gemeente = registry.by_broker_user("gemeente-voorbeeldstad")
    assert gemeente is not None

    async def deliver_all() -> list[str]:
        service.publisher.published.clear()
        await asyncio.gather(*(service.handle(delivery(gemeente, event)) for event in arrival))
        return [
            e.data["registration_event_id"] for e in service.publisher.of("registration-recorded")
        ]

    async def shown() -> dict[tuple[str, str], str]:
        visible = [v for bsn in BSNS for v in await service.store.visible_for(bsn)]
        return {(v.recipient_bsn, v.registration_key): v.event_id for v in visible}

    announced = asyncio.run(deliver_all())
    expected = _expected(events)
    assert asyncio.run(shown()) == expected
    assert len(announced) == len(set(announced)), "each version announced once"
    # One after the other, in slot order: announced when newer than every version before it,
    # and, for a removal, when the latest before it was a change.
    one_by_one: set[str] = set()
    for slots in service.store.slots.values():
        newest = None
        for version in slots:
            if newest is None or version.ref.order > newest.order:
                if version.change is CHANGED or (newest is not None and newest.change is CHANGED):
                    one_by_one.add(version.event_id)
                newest = version.ref
        told = [v for v in slots if v.event_id in announced]
        last = max(told, key=lambda v: v.ref.order, default=None)
        final = model.current(v.ref for v in slots)
        assert (last.event_id if last and last.change is CHANGED else None) == (
            final.event_id if final else None
        ), "what the citizen was last told is what they see"
    assert set(announced) == one_by_one
    assert set(expected.values()) <= set(announced), "the version shown was announced"

    # As if every delivery had crashed before the broker confirmed: redelivered (twice at once,
    # possibly, each then re-emitting the identical event), they decide as the first time.
    service.store.unconfirm()
    assert set(asyncio.run(deliver_all())) == set(announced), "redelivered: the same"
