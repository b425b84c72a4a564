"""The citizen API, withdrawal and the organisation's query, on the real broker and database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import OrganisationClient
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.waiting import wait_until

pytestmark = pytest.mark.integration

Event = dict[str, Any]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def record(
    send: Callable[..., Awaitable[None]],
    status_event: Callable[..., Event],
    about_event: Callable[[str], Callable[[Event], bool]],
) -> Callable[..., Awaitable[Event]]:
    """Publish a status and wait until zaken announced it (so it is recorded)."""

    async def publish(
        client: OrganisationClient, bsn: str, identificatie: str, **options: Any
    ) -> Event:
        event = status_event(client.organisation, bsn, identificatie, **options)
        await send(client, event)
        return await client.next_event("case-status-recorded", about_event(event["id"]))

    return publish


async def test_citizens_see_their_own_cases_in_order_and_nobody_elses(
    platform: Platform,
    zaken: ServiceProcess,
    record: Callable[..., Awaitable[Event]],
    citizen_api: Callable[[ServiceProcess, str], httpx.AsyncClient],
) -> None:
    me, other = random_bsn(), random_bsn()
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        await record(gemeente, me, "OLD-OPEN", at=T0)
        await record(gemeente, me, "NEW-OPEN", at=T0 + timedelta(days=1))
        await record(gemeente, me, "NEW-OPEN", code="in-behandeling", at=T0 + timedelta(days=2))
        await record(gemeente, me, "CLOSED", code="afgehandeld", at=T0 + timedelta(9), closes=True)
        await record(gemeente, other, "THEIRS", at=T0)

    async with citizen_api(zaken, me) as mine, citizen_api(zaken, other) as theirs:
        page = (await mine.get("/api/v1/cases", params={"page_size": 2})).json()
        assert [case["identificatie"] for case in page["items"]] == ["NEW-OPEN", "OLD-OPEN"]
        assert page["total"] == 3
        rest = (await mine.get(page["_links"]["next"])).json()
        assert [(case["identificatie"], case["state"]) for case in rest["items"]] == [
            ("CLOSED", "closed")
        ]
        case = (await mine.get(page["items"][0]["_links"]["self"])).json()
        assert [s["statustype_code"] for s in case["history"]] == ["in-behandeling", "ontvangen"]
        assert case["_links"]["dossier"].startswith("https://loket.voorbeeldstad.example/")

        listed = (await theirs.get("/api/v1/cases")).json()["items"]
        assert [case["identificatie"] for case in listed] == ["THEIRS"]
        for each in [*page["items"], *rest["items"]]:
            response = await theirs.get(f"/api/v1/cases/{each['case_id']}")
            assert response.status_code == 404, "another citizen's case does not exist for you"
            assert response.headers["content-type"] == "application/problem+json"
        response = await mine.get(f"/api/v1/cases/{listed[0]['case_id']}")
        assert response.status_code == 404

    async with httpx.AsyncClient(base_url=zaken.base_url) as anonymous:
        for path in ("/api/v1/cases", f"/api/v1/cases/{listed[0]['case_id']}"):
            assert (await anonymous.get(path)).status_code == 401


async def test_a_withdrawn_case_disappears_and_stays_gone(
    platform: Platform,
    zaken: ServiceProcess,
    send: Callable[..., Awaitable[None]],
    record: Callable[..., Awaitable[Event]],
    status_barrier: Callable[..., Awaitable[None]],
    status_event: Callable[..., Event],
    withdrawn_event: Callable[..., Event],
    about_event: Callable[[str], Callable[[Event], bool]],
    citizen_api: Callable[[ServiceProcess, str], httpx.AsyncClient],
) -> None:
    bsn = random_bsn()
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        recorded = await record(gemeente, bsn, "Z-ERROR")
        case_path = f"/api/v1/cases/{recorded['data']['case_id']}"
        async with citizen_api(zaken, bsn) as citizen:
            assert (await citizen.get(case_path)).status_code == 200
            await send(gemeente, withdrawn_event(gemeente.organisation, "Z-ERROR"))

            async def gone() -> bool:
                return (await citizen.get(case_path)).status_code == 404

            await wait_until(gone, what="the withdrawn case to disappear")
            assert (await citizen.get("/api/v1/cases")).json()["items"] == []

            later = status_event(
                gemeente.organisation, bsn, "Z-ERROR", code="x", at=T0 + timedelta(1)
            )
            await send(gemeente, later)
            await status_barrier(gemeente)
            assert not gemeente.events("case-status-recorded", about_event(later["id"]))
            assert (await citizen.get(case_path)).status_code == 404


async def test_an_organisation_is_told_the_state_of_its_own_cases_only(
    platform: Platform,
    zaken: ServiceProcess,
    send: Callable[..., Awaitable[None]],
    record: Callable[..., Awaitable[Event]],
    withdrawn_event: Callable[..., Event],
    state_requested_event: Callable[..., Event],
    about_event: Callable[[str], Callable[[Event], bool]],
) -> None:
    bsn, partner = random_bsn(), random_bsn()
    async with (
        platform.client("gemeente-voorbeeldstad") as gemeente,
        platform.client("belastingdienst") as belastingdienst,
    ):
        await record(gemeente, bsn, "Z-OPEN", at=T0)
        await record(gemeente, partner, "Z-OPEN", at=T0)  # one case, two citizens
        await record(gemeente, bsn, "Z-DONE", code="afgehandeld", closes=True)
        await record(belastingdienst, bsn, "B-THEIRS")
        await send(gemeente, withdrawn_event(gemeente.organisation, "Z-GONE"))
        withdrawals = platform.database("zaken").case_withdrawals
        await wait_until(
            lambda: withdrawals.find_one({"identificatie": "Z-GONE"}), what="the withdrawal"
        )
        request = state_requested_event(
            gemeente.organisation, "Z-OPEN", "Z-DONE", "Z-GONE", "B-THEIRS", "Z-NEVER"
        )
        await send(gemeente, request)
        answer = await gemeente.next_event("case-state", about_event(request["id"]))
        assert not belastingdienst.events("case-state")
    assert answer["_routing_key"] == f"zaken.case-state.{gemeente.organisation.oin}"
    cases = {case["identificatie"]: case for case in answer["data"]["cases"]}
    assert {name: case["state"] for name, case in cases.items()} == {
        "Z-OPEN": "open",
        "Z-DONE": "closed",
        "Z-GONE": "withdrawn",
        "B-THEIRS": "not-found",
        "Z-NEVER": "not-found",
    }
    assert sorted(citizen["bsn"] for citizen in cases["Z-OPEN"]["citizens"]) == sorted(
        [bsn, partner]
    )
    assert cases["Z-DONE"]["citizens"][0]["current_status"]["statustype_code"] == "afgehandeld"
