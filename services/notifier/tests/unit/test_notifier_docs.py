"""docs/notifier.md: every JSON example of an event is valid against the contract; every setting
is in the configuration table."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel

from mijnoverheid.contracts import notifier as contract
from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.settings import REPOSITORY_ROOT, PlatformSettings
from notifier.settings import DEV_BOUNCE_SECRET, NotifierSettings

DOCUMENT = REPOSITORY_ROOT / "docs" / "notifier.md"
MODELS: dict[str, type[BaseModel]] = {
    "nl.mijnoverheid.notifier.notification-status": contract.NotificationStatus,
    "nl.mijnoverheid.notifier.notification-overdue": contract.NotificationOverdue,
    "nl.mijnoverheid.notifier.notification-status-requested": contract.NotificationStatusRequested,
    "nl.mijnoverheid.notifier.notification-status-report": contract.NotificationStatusReport,
}


def examples() -> list[dict[str, Any]]:
    blocks = re.findall(r"```json\n(.*?)```", DOCUMENT.read_text(encoding="utf-8"), re.DOTALL)
    return [json.loads(block) for block in blocks]


def test_every_event_example_validates_and_every_event_has_one() -> None:
    seen = set()
    for example in examples():
        if "type" not in example:
            continue
        event = CloudEvent.model_validate(example)
        MODELS[event.type].model_validate(event.data)
        seen.add(event.type)
    assert seen == set(MODELS)


def test_every_status_is_documented() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    for state in contract.NotificationState:
        assert f"| `{state.value}` |" in text


def test_every_setting_of_the_notifier_is_in_the_configuration_table() -> None:
    table = DOCUMENT.read_text(encoding="utf-8").split("## 7. Configuration")[1].split("## 8.")[0]
    own = set(NotifierSettings.model_fields) - set(PlatformSettings.model_fields) | {"prefetch"}
    for name in own:
        assert f"`{name.upper()}`" in table, name
    assert f"`{DEV_BOUNCE_SECRET}`" in table, "the development default, named as such"
