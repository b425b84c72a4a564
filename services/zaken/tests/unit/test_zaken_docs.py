"""docs/zaken.md says what the code does: every example is valid, every event is documented."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import BaseModel

from mijnoverheid.api import Page
from mijnoverheid.contracts import events, zaken
from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.settings import REPOSITORY_ROOT
from zaken.entrypoints.api import CaseDetail, CaseSummary

DOC = REPOSITORY_ROOT / "docs" / "zaken.md"
ROUTES = [route for route in (*events.INBOUND, *events.OUTBOUND) if route.service == "zaken"]
DATA_MODELS: dict[str, type[BaseModel]] = {
    route.type: model
    for route, model in (
        (events.CASE_STATUS_CHANGED, zaken.CaseStatusChanged),
        (events.CASE_WITHDRAWN, zaken.CaseWithdrawn),
        (events.CASE_STATE_REQUESTED, zaken.CaseStateRequested),
        (events.CASE_STATUS_RECORDED, zaken.CaseStatusRecorded),
        (events.CASE_STATE, zaken.CaseState),
        (events.ZAKEN_EVENT_REJECTED, zaken.ZakenEventRejected),
    )
}
_JSON_BLOCK = re.compile(r"^```json[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def _blocks() -> list[Any]:
    return [json.loads(block) for block in _JSON_BLOCK.findall(DOC.read_text(encoding="utf-8"))]


def _events() -> list[dict[str, Any]]:
    return [b for b in _blocks() if str(b.get("type", "")).startswith("nl.mijnoverheid.")]


def test_every_zaken_route_has_a_data_model_and_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert {r.type for r in ROUTES} == set(DATA_MODELS)
    for route in ROUTES:
        assert route.key("<OIN>") in text
        assert route.type in text


@pytest.mark.parametrize("example", _events(), ids=lambda example: example["type"])
def test_every_event_example_is_valid(example: dict[str, Any]) -> None:
    event = CloudEvent.model_validate(example)
    DATA_MODELS[event.type].model_validate(event.data)


def test_every_event_has_an_example() -> None:
    assert {example["type"] for example in _events()} == set(DATA_MODELS)


def test_the_api_examples_are_valid_responses() -> None:
    pages = [b for b in _blocks() if "items" in b]
    details = [b for b in _blocks() if "history" in b and "case_id" in b]
    assert pages
    assert details
    for page in pages:
        Page[CaseSummary].model_validate(page)
    for detail in details:
        CaseDetail.model_validate(detail)
