"""The handlers on fakes: record, refuse with a reason, and announce only what is new."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from gegevens.domain.model import RegistrationChange
from mijnoverheid.identity import Organisation
from services.gegevens.tests.events import delivery, registration_changed, registration_removed
from services.gegevens.tests.unit.conftest import Service

BSN = "999993653"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(days: int) -> str:
    return (T0 + timedelta(days=days)).isoformat()


async def test_a_change_is_recorded_and_brp_is_not_announced(
    service: Service, gemeente: Organisation
) -> None:
    event = registration_changed(gemeente, BSN, register="BRP", valid_from=at(1))
    await service.changed(delivery(gemeente, event))
    [shown] = await service.store.visible_for(BSN)
    assert shown.register_code == "BRP"
    assert [fact.label for fact in shown.facts] == ["WOZ-waarde", "Waardepeildatum", "Adres"]
    assert shown.where_to_change is not None
    assert not shown.notify
    assert service.publisher.published == []


async def test_a_woz_change_is_announced_once_with_a_deterministic_id_and_no_facts(
    service: Service, gemeente: Organisation
) -> None:
    event = registration_changed(gemeente, BSN, register="WOZ", valid_from=at(1))
    await service.changed(delivery(gemeente, event))
    await service.changed(delivery(gemeente, event))  # a duplicate
    [recorded] = service.publisher.of("registration-recorded")
    _, key = service.publisher.published[0]
    assert key == f"gegevens.registration-recorded.{gemeente.oin}"
    assert recorded.data["register_code"] == "WOZ"
    assert recorded.data["recipient_bsn"] == BSN
    assert recorded.data["registration_event_id"] == event["id"]
    assert recorded.data["change"] == "changed"
    assert "facts" not in recorded.data
    assert "312000" not in json.dumps(recorded.data)
    assert len(service.store.versions) == 1


async def test_a_crash_before_the_publish_re_emits_the_same_event(
    service: Service, gemeente: Organisation
) -> None:
    event = registration_changed(gemeente, BSN, register="WOZ")
    service.publisher.fail = True
    with pytest.raises(ConnectionError):
        await service.changed(delivery(gemeente, event))
    assert len(service.store.versions) == 1, "stored, but not acked: it will be redelivered"
    service.publisher.fail = False
    await service.changed(delivery(gemeente, event))
    await service.changed(delivery(gemeente, event))
    assert len(service.publisher.of("registration-recorded")) == 1


async def test_the_loser_of_a_concurrent_insert_leaves_the_announcement_to_the_winner(
    service: Service, gemeente: Organisation
) -> None:
    event = registration_changed(gemeente, BSN, register="WOZ")
    # Two deliveries of one event at once: both find the slot free, one inserts.
    await asyncio.gather(*(service.changed(delivery(gemeente, event)) for _ in range(2)))
    assert len(service.store.versions) == 1
    [recorded] = service.publisher.of("registration-recorded")
    assert recorded.data["registration_event_id"] == event["id"]


async def test_a_stale_version_is_kept_but_neither_shown_nor_announced(
    service: Service, gemeente: Organisation
) -> None:
    newer = registration_changed(gemeente, BSN, register="WOZ", valid_from=at(2))
    older = registration_changed(gemeente, BSN, register="WOZ", valid_from=at(1))
    await service.changed(delivery(gemeente, newer))
    await service.changed(delivery(gemeente, older))
    [shown] = await service.store.visible_for(BSN)
    assert shown.event_id == newer["id"]
    assert len(service.store.versions) == 2, "history is complete"
    [recorded] = service.publisher.of("registration-recorded")
    assert recorded.data["registration_event_id"] == newer["id"]


async def test_a_removal_hides_the_registration_and_is_announced_for_woz(
    service: Service, gemeente: Organisation
) -> None:
    change = registration_changed(gemeente, BSN, register="WOZ", valid_from=at(1))
    await service.changed(delivery(gemeente, change))
    removal = registration_removed(gemeente, BSN, register="WOZ", valid_from=at(2))
    await service.removed(delivery(gemeente, removal))
    assert await service.store.visible_for(BSN) == []
    changes = [e.data["change"] for e in service.publisher.of("registration-recorded")]
    assert changes == [RegistrationChange.CHANGED, RegistrationChange.REMOVED]


async def test_an_earlier_removal_does_not_hide_a_later_change(
    service: Service, gemeente: Organisation
) -> None:
    removal = registration_removed(gemeente, BSN, register="BRP", valid_from=at(1))
    change = registration_changed(gemeente, BSN, register="BRP", valid_from=at(2))
    await service.changed(delivery(gemeente, change))
    await service.removed(delivery(gemeente, removal))
    assert [v.event_id for v in await service.store.visible_for(BSN)] == [change["id"]]


@pytest.mark.parametrize("change_first", [True, False], ids=["change-first", "removal-first"])
async def test_a_change_and_its_removal_recorded_concurrently_announce_what_the_citizen_sees(
    service: Service, gemeente: Organisation, change_first: bool
) -> None:
    """Two versions of one registration at once (two deliveries in one process, or competing
    consumers): the announcements are those of one recording after the other, never a stale
    change without the removal that hides it."""
    change = registration_changed(gemeente, BSN, register="WOZ", valid_from=at(14))  # January
    removal = registration_removed(gemeente, BSN, register="WOZ", valid_from=at(45))  # February
    deliveries = [
        service.changed(delivery(gemeente, change)),
        service.removed(delivery(gemeente, removal)),
    ]
    await asyncio.gather(*(deliveries if change_first else reversed(deliveries)))
    assert await service.store.visible_for(BSN) == []

    def announced() -> list[tuple[str, str]]:
        return [
            (e.id, e.data["registration_event_id"])
            for e in service.publisher.of("registration-recorded")
        ]

    first = announced()
    assert [event_id for _, event_id in first] in (
        [change["id"], removal["id"]],  # recorded change, then removal: both seen, both told
        [],  # removal, then the (stale) change: nothing was ever shown
    )
    # Redelivered, each decides as the first time: nothing new, and never the other outcome.
    service.publisher.published.clear()
    service.store.unconfirm()  # as if each had crashed before the broker confirmed
    await service.changed(delivery(gemeente, change))
    await service.removed(delivery(gemeente, removal))
    assert sorted(announced()) == sorted(first)
