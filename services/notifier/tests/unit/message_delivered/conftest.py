"""The message-delivered tests' world: in-memory fakes, typed as the ports, around the
Dispatcher (the registry comes from ../conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mijnoverheid.identity import OrganisationRegistry
from notifier.domain.contact import Contact
from services.notifier.tests.unit.fakes import ADDRESS, BSN, START, World, make_world
from services.notifier.tests.unit.message_delivered.harness import POLICY


@pytest.fixture
def world(registry: OrganisationRegistry) -> World:
    contact = Contact(BSN, ADDRESS, verified_at=START - timedelta(days=1))
    return make_world(registry, contact, POLICY)
