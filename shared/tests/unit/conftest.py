"""Fixtures shared by the unit tests of shared/."""

from __future__ import annotations

import pytest

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.settings import REPOSITORY_ROOT


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    """The real, versioned registry (config/organisations.yaml)."""
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")
