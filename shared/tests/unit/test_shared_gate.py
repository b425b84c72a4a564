"""The inbound gate: what reaches a handler, what is answered, what is dead-lettered."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent, derived_event_id, source_for
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Accepted
from mijnoverheid.kernel import Refusal, RejectionReason, UnprocessableEventError
from mijnoverheid.messaging import topology
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.gate import (
    FromOrganisations,
    FromPlatform,
    OwnCommands,
    RejectWith,
    Trusted,
)
from mijnoverheid.settings import REPOSITORY_ROOT

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PLATFORM = source_for("00000001234567890000", "zaken")
GEMEENTE_OIN = "00000001001234567000"


@dataclass
class Publisher:
    published: list[tuple[CloudEvent, str]] = field(default_factory=list)

    async def publish(self, event: CloudEvent, routing_key: str) -> None:
        self.published.append((event, routing_key))


@dataclass
class Handler:
    """Records its commands; refuses one whose identificatie says so."""

    commands: list[Any] = field(default_factory=list)

    async def __call__(self, command: Any) -> None:
        if getattr(command, "identificatie", "") == "REFUSE":
            raise Refusal(RejectionReason.URL_NOT_ALLOWED, "dossier_url: not a registered host")
        self.commands.append(command)


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")


def gate(registry: OrganisationRegistry, handler: Handler, publisher: Publisher) -> Any:
    reject = RejectWith(events.ZAKEN_EVENT_REJECTED, publisher, PLATFORM, lambda: NOW)

    def command(accepted: Accepted[Any]) -> Any:
        return accepted.data

    return FromOrganisations(
        topology.ZAKEN_CASE_WITHDRAWN,
        events.CASE_WITHDRAWN,
        "test",
        registry,
        "zaken",
        reject,
        command=command,
        handle=handler,
    )


def withdrawal(identificatie: str, *, oin: str = GEMEENTE_OIN, user: str | None = None) -> Any:
    document = {
        "specversion": "1.0",
        "id": "evt-1",
        "source": source_for(oin, "zaaksysteem"),
        "type": events.CASE_WITHDRAWN.type,
        "time": NOW.isoformat(),
        "data": {"identificatie": identificatie},
    }
    return InboundDelivery(
        json.dumps(document).encode(),
        events.CASE_WITHDRAWN.key(oin),
        user or "gemeente-voorbeeldstad",
        "evt-1",
    )


async def test_an_accepted_event_reaches_the_handler_as_its_command_and_nothing_is_answered(
    registry: OrganisationRegistry,
) -> None:
    handler, publisher = Handler(), Publisher()
    await gate(registry, handler, publisher)(withdrawal("Z-1"))
    [command] = handler.commands
    assert command.identificatie == "Z-1"
    assert publisher.published == []


async def test_a_refusal_of_the_handler_becomes_the_services_rejection_with_a_derived_id(
    registry: OrganisationRegistry,
) -> None:
    handler, publisher = Handler(), Publisher()
    await gate(registry, handler, publisher)(withdrawal("REFUSE"))
    [(event, key)] = publisher.published
    assert key == events.ZAKEN_EVENT_REJECTED.key(GEMEENTE_OIN)
    assert event.type == events.ZAKEN_EVENT_REJECTED.type
    assert event.data["reason"] == "url-not-allowed"
    assert event.data["rejected_event_type"] == events.CASE_WITHDRAWN.type
    # Ids are unique per source (CloudEvents): the rejection's id derives from the source.
    assert event.id == derived_event_id(
        source_for(GEMEENTE_OIN, "zaaksysteem"), "evt-1", "event-rejected"
    )
    assert handler.commands == []


async def test_an_identity_mismatch_is_answered_on_the_senders_own_key_without_the_handler(
    registry: OrganisationRegistry,
) -> None:
    handler, publisher = Handler(), Publisher()
    belastingdienst = "00000001003214345000"
    await gate(registry, handler, publisher)(withdrawal("Z-1", oin=belastingdienst))
    [(event, key)] = publisher.published
    assert event.data["reason"] == "identity-mismatch"
    assert key == events.ZAKEN_EVENT_REJECTED.key(GEMEENTE_OIN), "the broker user's, not the claim"
    assert handler.commands == []


async def test_a_delivery_from_an_unknown_publisher_is_dead_lettered_unanswered(
    registry: OrganisationRegistry,
) -> None:
    handler, publisher = Handler(), Publisher()
    with pytest.raises(UnprocessableEventError):
        await gate(registry, handler, publisher)(withdrawal("Z-1", user="somebody"))
    assert publisher.published == handler.commands == []


class Tolerant(BaseModel):
    case_id: str


def platform_event(type_: str = events.CASE_STATUS_RECORDED.type, **data: Any) -> bytes:
    document = {
        "specversion": "1.0",
        "id": "evt-2",
        "source": PLATFORM,
        "type": type_,
        "time": NOW.isoformat(),
        "data": {"case_id": "c-1", **data},
    }
    return json.dumps(document).encode()


def trusted_gate(received: list[Trusted[Any]]) -> FromPlatform[Any]:
    async def handle(trusted: Trusted[Any]) -> None:
        received.append(trusted)

    return FromPlatform(
        topology.NOTIFIER_CASE_STATUS_RECORDED,
        events.CASE_STATUS_RECORDED,
        "test",
        trusted_user="zaken",
        handle=handle,
        reader=Tolerant,
    )


async def test_a_platform_event_is_read_tolerantly_from_its_trusted_publisher_only() -> None:
    received: list[Trusted[Any]] = []
    key = events.CASE_STATUS_RECORDED.key(GEMEENTE_OIN)
    await trusted_gate(received)(InboundDelivery(platform_event(extra=1), key, "zaken", None))
    [trusted] = received
    assert trusted.data == Tolerant(case_id="c-1")
    assert trusted.routing_oin == GEMEENTE_OIN
    for user, body in [
        ("gemeente-voorbeeldstad", platform_event()),  # an organisation posing as Zaken
        ("zaken", platform_event(type_=events.CASE_STATE.type)),  # not the queue's type
        ("zaken", b"{not json"),
    ]:
        with pytest.raises(UnprocessableEventError):
            await trusted_gate(received)(InboundDelivery(body, key, user, None))
    assert len(received) == 1


class Retry(BaseModel):
    notification_id: str


async def test_own_commands_come_only_from_the_service_itself() -> None:
    received: list[Retry] = []

    async def handle(command: Retry) -> None:
        received.append(command)

    commands = OwnCommands(topology.NOTIFIER_RETRY, "test", Retry, "notifier", handle)
    body = b'{"notification_id": "n-1"}'
    await commands(InboundDelivery(body, "notifier.retry", "notifier", None))
    assert received == [Retry(notification_id="n-1")]
    with pytest.raises(UnprocessableEventError):
        await commands(InboundDelivery(body, "notifier.retry", "belastingdienst", None))
    with pytest.raises(UnprocessableEventError):
        await commands(InboundDelivery(b"{}", "notifier.retry", "notifier", None))
