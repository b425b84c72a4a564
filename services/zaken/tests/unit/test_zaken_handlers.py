"""The status handler on in-memory adapters: what is recorded and emitted, per situation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery

BSN = "999993653"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Zaken = Any  # the harness from conftest.py


async def test_a_new_status_is_recorded_and_triggers_the_notifier(
    zaken: Zaken, gemeente: Organisation, status_event: Callable[..., dict[str, Any]]
) -> None:
    event = status_event(gemeente, BSN, "Z-1")
    await zaken.send(gemeente, event)
    assert len(zaken.store.statuses) == 1
    [(trigger, key)] = zaken.published.published
    assert key == f"zaken.case-status-recorded.{gemeente.oin}"
    assert trigger.type == "nl.mijnoverheid.zaken.case-status-recorded"
    assert trigger.data["status_event_id"] == event["id"]
    assert trigger.data["recipient_bsn"] == BSN
    assert trigger.data["statustype_code"] == "ontvangen"
    assert trigger.data["is_eindstatus"] is False
    assert "zaaktype_omschrijving" not in trigger.data, "no free text in a trigger"


async def test_the_same_event_twice_records_once_and_re_emits_the_same_trigger(
    zaken: Zaken, gemeente: Organisation, status_event: Callable[..., dict[str, Any]]
) -> None:
    event = status_event(gemeente, BSN, "Z-1")
    await zaken.send(gemeente, event)
    await zaken.send(gemeente, event)
    assert len(zaken.store.statuses) == 1
    first, second = zaken.triggers()
    assert first == second, "a redelivery re-emits an identical event, which the Notifier dedups"


async def test_the_same_status_under_a_new_event_id_triggers_nothing(
    zaken: Zaken, gemeente: Organisation, status_event: Callable[..., dict[str, Any]]
) -> None:
    await zaken.send(gemeente, status_event(gemeente, BSN, "Z-1"))
    await zaken.send(gemeente, status_event(gemeente, BSN, "Z-1"))
    assert len(zaken.store.statuses) == 2, "both reports are kept"
    assert len(zaken.triggers()) == 1


async def test_a_status_not_to_inform_about_is_shown_but_triggers_nothing(
    zaken: Zaken, gemeente: Organisation, status_event: Callable[..., dict[str, Any]]
) -> None:
    """ZGW StatusType.informeren false: the citizen sees it in the overview, gets no mail."""
    quiet = status_event(gemeente, BSN, "Z-1", code="intern", informeren=False)
    await zaken.send(gemeente, quiet)
    [case] = await zaken.store.cases_of_citizen(BSN)
    assert case.current.statustype_code == "intern"
    assert zaken.triggers() == []
    later = status_event(gemeente, BSN, "Z-1", code="besluit", at=T0 + timedelta(days=1))
    await zaken.send(gemeente, later)
    assert [t.data["status_event_id"] for t in zaken.triggers()] == [later["id"]]


async def test_a_stale_status_is_kept_in_the_history_but_triggers_nothing(
    zaken: Zaken, gemeente: Organisation, status_event: Callable[..., dict[str, Any]]
) -> None:
    newer = status_event(gemeente, BSN, "Z-1", code="besluit", at=T0 + timedelta(days=2))
    await zaken.send(gemeente, newer)
    await zaken.send(gemeente, status_event(gemeente, BSN, "Z-1", code="ontvangen", at=T0))
    [case] = await zaken.store.cases_of_citizen(BSN)
    assert [status.statustype_code for status in case.history] == ["besluit", "ontvangen"]
    assert [t.data["status_event_id"] for t in zaken.triggers()] == [newer["id"]]


async def test_each_newer_status_triggers(
    zaken: Zaken, gemeente: Organisation, status_event: Callable[..., dict[str, Any]]
) -> None:
    for day, code in enumerate(["ontvangen", "in-behandeling", "afgehandeld"]):
        at = T0 + timedelta(days=day)
        await zaken.send(gemeente, status_event(gemeente, BSN, "Z-1", code=code, at=at))
    codes = [trigger.data["statustype_code"] for trigger in zaken.triggers()]
    assert codes == ["ontvangen", "in-behandeling", "afgehandeld"]


async def test_a_dossier_on_another_host_is_rejected_with_url_not_allowed(
    zaken: Zaken, gemeente: Organisation, status_event: Callable[..., dict[str, Any]]
) -> None:
    url = "https://mijn.belastingdienst.example/zaken/Z-1"
    event = status_event(gemeente, BSN, "Z-1", dossier_url=url)
    await zaken.send(gemeente, event)
    [(rejected, key)] = zaken.published.published
    assert key == f"zaken.event-rejected.{gemeente.oin}"
    assert rejected.type == "nl.mijnoverheid.zaken.event-rejected"
    assert rejected.data["reason"] == "url-not-allowed"
    assert rejected.data["rejected_event_id"] == event["id"]
    assert not zaken.store.statuses


@pytest.mark.parametrize(
    ("broker_user", "reason"),
    [("rdw", "service-not-allowed"), ("stichting-voorbeeld", "service-not-allowed")],
)
async def test_organisations_without_zaken_are_rejected(
    zaken: Zaken,
    registry: OrganisationRegistry,
    status_event: Callable[..., dict[str, Any]],
    broker_user: str,
    reason: str,
) -> None:
    organisation = registry.by_broker_user(broker_user)
    assert organisation is not None
    await zaken.send(organisation, status_event(organisation, BSN, "Z-1"))
    [(rejected, key)] = zaken.published.published
    assert (rejected.data["reason"], key) == (reason, f"zaken.event-rejected.{organisation.oin}")


async def test_invalid_data_is_rejected_without_echoing_it(
    zaken: Zaken, gemeente: Organisation, status_event: Callable[..., dict[str, Any]]
) -> None:
    await zaken.send(gemeente, status_event(gemeente, "111111111", "Z-1"))
    [(rejected, _)] = zaken.published.published
    assert rejected.data["reason"] == "invalid-bsn"
    assert "111111111" not in rejected.model_dump_json()


async def test_an_unattributable_delivery_is_poison(
    zaken: Zaken, gemeente: Organisation, status_event: Callable[..., dict[str, Any]]
) -> None:
    delivery = zaken.delivery(gemeente, status_event(gemeente, BSN, "Z-1"))
    with pytest.raises(UnprocessableEventError):
        await zaken.status_changed(InboundDelivery(delivery.body, delivery.routing_key, None, None))


async def test_an_envelope_id_that_utf8_cannot_encode_is_dead_lettered_not_retried(
    zaken: Zaken, gemeente: Organisation
) -> None:
    # No answer could quote (or derive an id from) a lone surrogate: poison, not a crash loop.
    with pytest.raises(UnprocessableEventError):
        await zaken.status_changed(zaken.delivery(gemeente, b'{"id": "\\ud800", "specversion": 2}'))
    assert not zaken.published.published
