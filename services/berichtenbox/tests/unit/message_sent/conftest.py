"""Fixtures of the message-sent tests: the demo registry, a signer and fresh in-memory fakes."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from berichtenbox.adapters.signing import Ed25519ReceiptSigner
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.settings import REPOSITORY_ROOT
from services.berichtenbox.tests.unit.fakes import (
    InMemoryTrail,
    RecordingPublisher,
)
from services.berichtenbox.tests.unit.message_sent.harness import (
    Clock,
    Gate,
    InMemoryMessageStore,
    Parts,
    organisation,
)


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")


@pytest.fixture(scope="module")
def signer() -> Ed25519ReceiptSigner:
    return Ed25519ReceiptSigner(Ed25519PrivateKey.generate())


@pytest.fixture
def belastingdienst(registry: OrganisationRegistry) -> Organisation:
    return organisation(registry, "belastingdienst")


@pytest.fixture
def store() -> InMemoryMessageStore:
    return InMemoryMessageStore()


@pytest.fixture
def trail() -> InMemoryTrail:
    return InMemoryTrail()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def parts(
    registry: OrganisationRegistry, signer: Ed25519ReceiptSigner, trail: InMemoryTrail, clock: Clock
) -> Parts:
    return Parts(registry, signer, trail, clock)


@pytest.fixture
def handler(parts: Parts, store: InMemoryMessageStore, publisher: RecordingPublisher) -> Gate:
    return parts.handler(store, publisher)
