"""docs/gegevens.md says what the code does: its examples validate, its ids are the ids the code
derives, its register list is the registry's, and every Gegevens event is described."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import BaseModel

from gegevens.domain import model, rules
from gegevens.entrypoints import subscriptions, views
from mijnoverheid.contracts import events, routing
from mijnoverheid.contracts.envelope import CloudEvent, derived_event_id, source_for
from mijnoverheid.contracts.gegevens import (
    GegevensEventRejected,
    RegistrationChanged,
    RegistrationRecorded,
    RegistrationRemoved,
)
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Accepted
from mijnoverheid.settings import REPOSITORY_ROOT

DOC = REPOSITORY_ROOT / "docs" / "gegevens.md"
_JSON_BLOCK = re.compile(r"^```json[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
ROUTES = [r for r in (*events.INBOUND, *events.OUTBOUND) if r.service == "gegevens"]
DATA_MODELS: dict[str, type[BaseModel]] = {
    "nl.mijnoverheid.gegevens.registration-changed": RegistrationChanged,
    "nl.mijnoverheid.gegevens.registration-removed": RegistrationRemoved,
    "nl.mijnoverheid.gegevens.registration-recorded": RegistrationRecorded,
    "nl.mijnoverheid.gegevens.event-rejected": GegevensEventRejected,
}


def _blocks() -> list[Any]:
    return [json.loads(block) for block in _JSON_BLOCK.findall(DOC.read_text(encoding="utf-8"))]


def _events() -> dict[str, dict[str, Any]]:
    return {block["type"].rsplit(".", 1)[-1]: block for block in _blocks() if "type" in block}


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.event)
def test_every_event_has_a_valid_example(route: routing.EventRoute) -> None:
    assert route.key("<your OIN>") in DOC.read_text(encoding="utf-8")
    example = _events()[route.event]
    event = CloudEvent.model_validate(example)
    DATA_MODELS[event.type].model_validate(event.data)


def test_the_example_changes_are_allowed_and_the_answers_carry_the_derived_ids(
    registry: OrganisationRegistry,
) -> None:
    events = _events()
    changed = CloudEvent.model_validate(events["registration-changed"])
    data = RegistrationChanged.model_validate(changed.data)
    sender = registry.by_oin(changed.source_oin)
    assert sender is not None
    command = subscriptions.changed(Accepted(sender, changed, data))
    rules.check(command, {register.code for register in registry.registers})  # no Refusal
    recorded = events["registration-recorded"]
    assert recorded["id"] == derived_event_id(changed.source, changed.id, "registration-recorded")
    assert recorded["data"]["registration_event_id"] == changed.id
    version = model.version_of(command, recorded_at=changed.time)
    assert recorded["data"]["registration_id"] == version.registration_id
    rejected = events["event-rejected"]
    rdw = registry.by_broker_user("rdw")
    assert rdw is not None
    source = source_for(rdw.oin, "kentekenregister")  # the system the docs name
    expected = derived_event_id(source, rejected["data"]["rejected_event_id"], "event-rejected")
    assert rejected["id"] == expected


def test_the_api_examples_are_valid_responses() -> None:
    blocks = [block for block in _blocks() if "type" not in block]
    overview = next(block for block in blocks if "organisations" in block)
    detail = next(block for block in blocks if "facts" in block)
    views.Overview.model_validate(overview)
    views.RegistrationDetail.model_validate(detail)
    shown = overview["organisations"][0]["registers"][0]["registrations"][0]
    assert {key: detail[key] for key in shown} == shown, "the detail extends the summary"


def test_the_register_table_is_the_registry(registry: OrganisationRegistry) -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## 1. Registers") : text.index("## 2. ")]
    rows = re.findall(r"^\| `([^`]+)` \| ([^|]+?) \|$", section, re.MULTILINE)
    assert rows == [(register.code, register.name) for register in registry.registers]
