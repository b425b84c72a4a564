"""The handler tests' world: in-memory fakes around a Dispatcher with a short retry policy
(the registry comes from ../conftest.py)."""

from __future__ import annotations

import pytest

from mijnoverheid.identity import OrganisationRegistry
from notifier.domain.attempt import RetryPolicy
from notifier.domain.contact import Contact
from services.notifier.tests.unit.fakes import ADDRESS, BSN, START, World, make_world


@pytest.fixture
def world(registry: OrganisationRegistry) -> World:
    return make_world(registry, Contact(BSN, ADDRESS, START), RetryPolicy((10, 60), max_attempts=3))
