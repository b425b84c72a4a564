"""The RabbitMQ definitions generated from the registry (from ../conftest.py), for the
provisioning tests."""

from __future__ import annotations

from typing import Any

import pytest

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.provisioning import (
    definitions,
)


@pytest.fixture(scope="module")
def generated(registry: OrganisationRegistry) -> dict[str, Any]:
    return definitions(registry)
