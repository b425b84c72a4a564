"""Three zaken processes on one queue, events shuffled and duplicated: the state is still right.

"Right" is what the pure domain function computes from the set of events, whatever the order.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.stack import demo_registry
from mijnoverheid_testing.waiting import wait_until
from services.zaken.tests.unit.helpers import report_of
from zaken.domain.case import Case, cases_of

pytestmark = pytest.mark.integration

Event = dict[str, Any]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CODES = ("ontvangen", "in-behandeling", "aanvulling", "besluit", "afgehandeld")
CONSUMERS = 3


def _scenario(
    rng: random.Random, organisation: Any, status_event: Callable[..., Event]
) -> list[Event]:
    """Six cases (one citizen has two), five statuses each, some at the same time, some resent."""
    citizens = [random_bsn() for _ in range(5)]
    events = []
    for number in range(6):
        bsn, identificatie = citizens[number % 5], f"Z-RACE-{number}"
        for code in CODES:
            at = T0 + timedelta(hours=rng.randrange(4))  # few values: equal times happen
            closes = code == "afgehandeld"
            events.append(
                status_event(organisation, bsn, identificatie, code=code, at=at, closes=closes)
            )
        resent = dict(rng.choice(events[-5:]), id=f"resend-{rng.random()}")  # same status, new id
        events.append(resent)
    return events


def _expected(events: list[Event]) -> list[Case]:
    gemeente = demo_registry().by_oin(CloudEvent.model_validate(events[0]).source_oin)
    assert gemeente is not None
    return cases_of([report_of(event, gemeente, T0) for event in events], withdrawn=set())


def _consumers(platform: Platform) -> int:
    """Consumers of the status queue as the management API reports them (it lags a little)."""
    with platform.stack.management() as management:
        found = management.get(f"/api/consumers/{platform.vhost}").json()
    return sum(1 for each in found if each["queue"]["name"] == "zaken.case-status-changed")


def _statuses(case: Case) -> list[tuple[str, datetime]]:
    return [(each.statustype_code, each.datum_status_gezet) for each in case.history]


def _shown(body: dict[str, Any]) -> list[tuple[str, datetime]]:
    return [
        (each["statustype_code"], datetime.fromisoformat(each["datum_status_gezet"]))
        for each in body["history"]
    ]


async def test_competing_consumers_agree_with_the_domain_function(
    own_platform: Platform,
    send: Callable[..., Awaitable[None]],
    status_event: Callable[..., Event],
    citizen_api: Callable[[ServiceProcess, str], httpx.AsyncClient],
) -> None:
    platform, seed = own_platform, random.randrange(1 << 30)
    rng = random.Random(seed)
    processes = [platform.service("zaken").start() for _ in range(CONSUMERS)]
    await asyncio.gather(*(process.ready() for process in processes))

    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        events = _scenario(rng, gemeente.organisation, status_event)
        deliveries = events + rng.sample(events, k=len(events) // 3)  # a third arrives twice
        rng.shuffle(deliveries)
        await asyncio.gather(*(send(gemeente, event) for event in deliveries))
        expected = _expected(events)

        for case in expected:
            async with citizen_api(processes[len(case.case_id) % CONSUMERS], case.bsn) as api:

                async def agrees(case: Case = case, api: httpx.AsyncClient = api) -> bool:
                    response = await api.get(f"/api/v1/cases/{case.case_id}")
                    return response.status_code == 200 and _shown(response.json()) == _statuses(
                        case
                    )

                await wait_until(agrees, what=f"case {case.identificatie} (seed {seed})")

        def notified(case: Case) -> list[Event]:
            return gemeente.events(
                "case-status-recorded", lambda e: e["data"]["case_id"] == case.case_id
            )

        for case in expected:
            final = case.current
            await gemeente.next_event(
                "case-status-recorded",
                lambda e, c=case, f=final: (
                    e["data"]["case_id"] == c.case_id
                    and e["data"]["statustype_code"] == f.statustype_code
                ),
            )
            distinct = {t["id"]: t for t in notified(case)}.values()
            statuses = [
                (t["data"]["statustype_code"], t["data"]["datum_status_gezet"]) for t in distinct
            ]
            assert len(statuses) == len(set(statuses)), f"a status notified twice (seed {seed})"

    await wait_until(lambda: _consumers(platform) == CONSUMERS, what="three consumers listed")
    stored = platform.database("zaken").case_statuses
    bsns = list({case.bsn for case in expected})
    assert await stored.count_documents({"bsn": {"$in": bsns}}) == len(events)
