"""The inbound tests' organisations (the registry comes from ../conftest.py)."""

from __future__ import annotations

import pytest

from mijnoverheid.identity import Organisation, OrganisationRegistry


def _organisation(registry: OrganisationRegistry, broker_user: str) -> Organisation:
    organisation = registry.by_broker_user(broker_user)
    assert organisation is not None, f"{broker_user} is missing from config/organisations.yaml"
    return organisation


@pytest.fixture(scope="module")
def belastingdienst(registry: OrganisationRegistry) -> Organisation:
    return _organisation(registry, "belastingdienst")


@pytest.fixture(scope="module")
def gemeente(registry: OrganisationRegistry) -> Organisation:
    return _organisation(registry, "gemeente-voorbeeldstad")


@pytest.fixture(scope="module")
def rdw(registry: OrganisationRegistry) -> Organisation:
    return _organisation(registry, "rdw")


@pytest.fixture(scope="module")
def stichting(registry: OrganisationRegistry) -> Organisation:
    return _organisation(registry, "stichting-voorbeeld")
