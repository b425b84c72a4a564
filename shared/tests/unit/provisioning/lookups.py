"""Lookups in the generated RabbitMQ definitions, shared by the provisioning tests."""

from __future__ import annotations

import re
from typing import Any

from mijnoverheid.identity import Organisation


def allows(pattern: str, resource: str) -> bool:
    return re.search(pattern, resource) is not None


def topic_permission(generated: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        p for p in generated["topic_permissions"] if p["user"] == organisation.broker_user
    ]
    assert len(found) == 1
    return found[0]


def permission(generated: dict[str, Any], user: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in generated["permissions"] if p["user"] == user]
    assert len(found) == 1
    return found[0]
