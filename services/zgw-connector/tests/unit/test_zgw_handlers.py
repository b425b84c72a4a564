"""The relay handler on in-memory fakes: what it publishes, when it tries again, when it gives
up, and that a handled event is never handled twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.settings import REPOSITORY_ROOT
from zgw_connector.adapters.queue import ThinEventCommand
from zgw_connector.adapters.zgw import ZgwRefusedError, ZgwUnavailableError
from zgw_connector.domain.case import (
    CaseSnapshot,
    Initiator,
    Status,
    StatusToReport,
    StatusType,
    Zaak,
    ZaakType,
)
from zgw_connector.domain.retry import RetryPolicy
from zgw_connector.handlers.relay import RelayThinEvent

GEMEENTE = "00000001001234567000"
ROOT = "https://localhost:8086/zaken/api/v1/"
ZAAK_URL = f"{ROOT}zaken/89b06186-c133-4c74-8492-b43392bc4fdb"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Memory:
    received: set[str] = field(default_factory=set)
    handled: dict[str, str] = field(default_factory=dict)
    zaken: dict[tuple[str, str], str] = field(default_factory=dict)
    deleted: set[tuple[str, str]] = field(default_factory=set)

    async def was_received(self, key: str) -> bool:
        return key in self.received

    async def mark_received(self, key: str, at: datetime) -> None:
        self.received.add(key)

    async def was_handled(self, key: str) -> bool:
        return key in self.handled

    async def mark_handled(self, key: str, outcome: str, at: datetime) -> None:
        self.handled.setdefault(key, outcome)

    async def remember_zaak(self, oin: str, zaak_url: str, identificatie: str) -> None:
        self.zaken.setdefault((oin, zaak_url), identificatie)

    async def identificatie(self, oin: str, zaak_url: str) -> str | None:
        return self.zaken.get((oin, zaak_url))

    async def mark_deleted(self, oin: str, zaak_url: str, at: datetime) -> None:
        self.deleted.add((oin, zaak_url))

    async def is_deleted(self, oin: str, zaak_url: str) -> bool:
        return (oin, zaak_url) in self.deleted


@dataclass
class Fakes:
    snapshot: CaseSnapshot | Exception | None = None
    published: list[tuple[str, Any]] = field(default_factory=list)
    retries: list[tuple[int, int]] = field(default_factory=list)
    reads: int = 0

    def for_organisation(self, oin: str) -> Fakes:
        return self

    async def snapshot_of(self, zaak_url: str) -> CaseSnapshot:
        self.reads += 1
        if isinstance(self.snapshot, Exception):
            raise self.snapshot
        assert self.snapshot is not None
        return self.snapshot

    async def status_changed(self, oin: str, status: StatusToReport, at: datetime) -> None:
        self.published.append(("status", status))

    async def withdrawn(self, oin: str, identificatie: str, zaak_url: str, at: datetime) -> None:
        self.published.append(("withdrawn", identificatie))

    async def enqueue(self, command: ThinEventCommand) -> None:
        raise AssertionError("the worker never enqueues")

    async def retry_later(self, command: ThinEventCommand, level: int) -> None:
        self.retries.append((command.attempt, level))


class Source:
    def __init__(self, fakes: Fakes) -> None:
        self.snapshot = fakes.snapshot_of


@pytest.fixture
def registry() -> OrganisationRegistry:
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")


def handler(registry: OrganisationRegistry, fakes: Fakes, memory: Memory) -> RelayThinEvent:
    class Sources:
        def for_organisation(self, oin: str) -> Source:
            return Source(fakes)

    return RelayThinEvent(
        registry=registry,
        records=memory,
        sources=Sources(),
        events=fakes,
        queue=fakes,
        policy=RetryPolicy((1, 2), max_attempts=3),
        clock=lambda: T0,
    )


def command(
    kind: str = "zaak-gemuteerd", attempt: int = 1, oin: str = GEMEENTE
) -> ThinEventCommand:
    return ThinEventCommand(
        oin=oin,
        event_id="e-1",
        event_source="urn:nld:oin:x:zakensysteem",
        event_type=f"nl.overheid.zaken.{kind}",
        event_time=T0,
        zaak_url=ZAAK_URL,
        attempt=attempt,
    )


def complete() -> CaseSnapshot:
    statustype = StatusType(
        "https://localhost:8086/catalogi/api/v1/statustypen/t", "Ontvangen", False, True
    )
    status = Status(f"{ROOT}statussen/s", statustype, T0, "")
    zaak = Zaak(ZAAK_URL, "ZAAK-1", "z", status.url, date(2026, 4, 1))
    return CaseSnapshot(
        zaak,
        ZaakType("z", "Parkeervergunning", True),
        (status,),
        (Initiator("natuurlijk_persoon", "999993653"),),
    )


async def test_a_complete_zaak_is_reported_once(registry: OrganisationRegistry) -> None:
    fakes, memory = Fakes(complete()), Memory()
    relay = handler(registry, fakes, memory)
    await relay(command())
    await relay(command())  # a redelivery of a handled event
    assert [kind for kind, _ in fakes.published] == ["status"]
    assert fakes.reads == 1
    assert memory.zaken == {(GEMEENTE, ZAAK_URL): "ZAAK-1"}


async def test_an_incomplete_zaak_is_tried_again_with_growing_delays_then_given_up(
    registry: OrganisationRegistry,
) -> None:
    snapshot = complete()
    fakes = Fakes(CaseSnapshot(snapshot.zaak, snapshot.zaaktype, snapshot.statuses, ()))
    relay = handler(registry, fakes, Memory())
    await relay(command(attempt=1))
    await relay(command(attempt=2))
    assert fakes.retries == [(1, 0), (2, 1)]
    with pytest.raises(UnprocessableEventError, match="gave up after 3 attempts"):
        await relay(command(attempt=3))
    assert fakes.published == []


async def test_an_unavailable_api_is_tried_again_and_a_refusing_one_is_for_ops(
    registry: OrganisationRegistry,
) -> None:
    fakes = Fakes(ZgwUnavailableError("zaak: HTTP 503"))
    await handler(registry, fakes, Memory())(command())
    assert fakes.retries == [(1, 0)]
    fakes = Fakes(ZgwRefusedError("zaak: not a ZGW zaak"))
    with pytest.raises(UnprocessableEventError, match="not a ZGW zaak"):
        await handler(registry, fakes, Memory())(command())


async def test_a_deleted_zaak_is_withdrawn_when_it_was_reported_and_never_fetched_again(
    registry: OrganisationRegistry,
) -> None:
    fakes, memory = Fakes(complete()), Memory()
    relay = handler(registry, fakes, memory)
    await relay(command())
    deleted = command("zaak-verwijderd").model_copy(update={"event_id": "e-2"})
    await relay(deleted)
    late = command().model_copy(update={"event_id": "e-3"})  # a mutation that arrives late
    await relay(late)
    assert [kind for kind, _ in fakes.published] == ["status", "withdrawn"]
    assert fakes.reads == 1


async def test_a_deleted_zaak_never_reported_withdraws_nothing_and_opened_is_ignored(
    registry: OrganisationRegistry,
) -> None:
    fakes, memory = Fakes(complete()), Memory()
    relay = handler(registry, fakes, memory)
    await relay(command("zaak-verwijderd"))
    await relay(command("zaak-geopend").model_copy(update={"event_id": "e-2"}))
    assert fakes.published == []
    assert fakes.reads == 0
    assert len(memory.handled) == 2


async def test_an_event_for_an_organisation_no_longer_served_is_for_ops(
    registry: OrganisationRegistry,
) -> None:
    with pytest.raises(UnprocessableEventError, match="no longer serves"):
        await handler(registry, Fakes(complete()), Memory())(command(oin="00000001005656565000"))
