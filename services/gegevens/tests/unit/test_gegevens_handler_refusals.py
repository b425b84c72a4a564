"""Refusals on fakes: each rule broken gets its reason, on the sender's own key, and nothing is
stored or announced."""

from __future__ import annotations

import json

import pytest

from mijnoverheid.identity import Organisation
from mijnoverheid.kernel import UnprocessableEventError
from services.gegevens.tests.events import delivery, registration_changed, registration_removed
from services.gegevens.tests.unit.conftest import Service

BSN = "999993653"


@pytest.mark.parametrize(
    ("broker_user", "overrides", "expected"),
    [
        pytest.param(
            "gemeente-voorbeeldstad", {"register": "RDW-vehicles"}, "register-not-allowed"
        ),
        pytest.param("gemeente-voorbeeldstad", {"register": "XYZ"}, "register-not-allowed"),
        pytest.param("rdw", {"register": "WOZ"}, "register-not-allowed"),
        pytest.param("rdw", {"url": "https://loket.voorbeeldstad.example/"}, "url-not-allowed"),
        pytest.param("rdw", {"url": "http://mijn.rdw.example/"}, "url-not-allowed"),
        pytest.param("rdw", {"url": "https://mijn.rdw.example.evil.example/"}, "url-not-allowed"),
        pytest.param("rdw", {"recipient_bsn": "123456789"}, "invalid-bsn"),
        pytest.param("stichting-voorbeeld", {}, "service-not-allowed"),
    ],
)
async def test_refused_changes_are_rejected_to_the_sender_with_a_reason(
    service: Service,
    registry_organisation: dict[str, Organisation],
    broker_user: str,
    overrides: dict[str, str],
    expected: str,
) -> None:
    sender = registry_organisation[broker_user]
    event = registration_changed(sender, BSN, **overrides)
    await service.changed(delivery(sender, event))
    [(rejected, key)] = service.publisher.published
    assert key == f"gegevens.event-rejected.{sender.oin}"
    assert rejected.data["reason"] == expected
    assert rejected.data["rejected_event_id"] == event["id"]
    assert BSN not in json.dumps(rejected.data)
    assert service.store.versions == {}


async def test_a_removal_in_a_register_not_allowed_is_rejected(
    service: Service, rdw: Organisation
) -> None:
    removal = registration_removed(rdw, BSN, register="BRP")
    await service.removed(delivery(rdw, removal))
    assert service.publisher.of("event-rejected")[0].data["reason"] == "register-not-allowed"


async def test_the_wrong_type_on_a_key_is_rejected(service: Service, rdw: Organisation) -> None:
    removal = registration_removed(rdw, BSN)
    await service.changed(delivery(rdw, removal, "gegevens.registration-changed." + rdw.oin))
    assert service.publisher.of("event-rejected")[0].data["reason"] == "unsupported-event-type"


async def test_a_rejection_has_a_deterministic_id(service: Service, rdw: Organisation) -> None:
    event = registration_changed(rdw, BSN, register="WOZ")
    await service.changed(delivery(rdw, event))
    await service.changed(delivery(rdw, event))
    first, second = service.publisher.of("event-rejected")
    assert first.id == second.id


async def test_what_cannot_be_attributed_is_poison(service: Service, rdw: Organisation) -> None:
    with pytest.raises(UnprocessableEventError):
        await service.changed(delivery(rdw, b"not json", "gegevens.registration-changed.x"))
