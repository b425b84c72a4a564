"""Fixtures shared by the notifier's unit tests."""

from __future__ import annotations

import pytest

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.settings import REPOSITORY_ROOT


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")
