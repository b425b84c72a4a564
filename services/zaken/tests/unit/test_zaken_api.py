"""The citizen API on an in-memory store: shape, order, paging, and nobody else's cases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from mijnoverheid import problems
from mijnoverheid.auth import DEV_ISSUER, CitizenTokenVerifier, load_private_key, mint_token
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.processing_log import activities
from mijnoverheid.processing_log.model import Party
from mijnoverheid.settings import REPOSITORY_ROOT
from mijnoverheid_testing.processing_log import ReadsInMemory
from services.zaken.tests.memory import MemoryCaseStore, MemoryPublisher, gates
from zaken.app import ZakenApi
from zaken.entrypoints import api

ME, OTHER = "999993653", "111222333"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _auth(bsn: str) -> dict[str, str]:
    token = mint_token(load_private_key(DEV_PRIVATE_KEY), bsn, timedelta(minutes=5))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def reads() -> ReadsInMemory:
    return ReadsInMemory()


@pytest.fixture
async def client(
    reads: ReadsInMemory,
    registry: OrganisationRegistry,
    gemeente: Organisation,
    status_event: Callable[..., dict[str, Any]],
    withdrawn_event: Callable[..., dict[str, Any]],
    delivery: Callable[..., Any],
) -> AsyncIterator[httpx.AsyncClient]:
    store = MemoryCaseStore()
    found = gates(store, MemoryPublisher(), registry, lambda: T0)
    record, withdraw = found.status_changed, found.withdrawn
    day = timedelta(days=1)
    for bsn, identificatie, code, at, closes in [
        (ME, "OLD-OPEN", "ontvangen", T0, False),
        (ME, "NEW-OPEN", "ontvangen", T0 + day, False),
        (ME, "NEW-OPEN", "in-behandeling", T0 + 2 * day, False),
        (ME, "CLOSED", "afgehandeld", T0 + 9 * day, True),
        (ME, "GONE", "ontvangen", T0 + 9 * day, False),
        (OTHER, "THEIRS", "ontvangen", T0, False),
    ]:
        event = status_event(gemeente, bsn, identificatie, code=code, at=at, closes=closes)
        await record(delivery(gemeente, event))
    await withdraw(delivery(gemeente, withdrawn_event(gemeente, "GONE")))

    app = FastAPI()
    problems.install(app)
    app.state.citizen_tokens = CitizenTokenVerifier.from_files(
        {DEV_ISSUER: REPOSITORY_ROOT / "config" / "dev-token-issuer.pub"}
    )
    app.state.api = ZakenApi(store, registry)
    app.state.processing_log = reads
    app.include_router(api.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://zaken.test") as client:
        yield client


async def test_overview_lists_open_first_then_newest_change_first(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/cases", headers=_auth(ME))
    assert response.status_code == 200
    page = response.json()
    assert [case["identificatie"] for case in page["items"]] == ["NEW-OPEN", "OLD-OPEN", "CLOSED"]
    assert [case["state"] for case in page["items"]] == ["open", "open", "closed"]
    first = page["items"][0]
    assert first["current_status"]["statustype_code"] == "in-behandeling"
    assert first["organisation_name"] == "Gemeente Voorbeeldstad"
    assert first["_links"]["dossier"].startswith("https://loket.voorbeeldstad.example/")
    assert page["total"] == 3


async def test_overview_is_paged_with_links(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/cases?page=2&page_size=2", headers=_auth(ME))
    page = response.json()
    assert [case["identificatie"] for case in page["items"]] == ["CLOSED"]
    assert page["_links"]["prev"].endswith("page=1&page_size=2")
    assert page["_links"]["next"] is None


async def test_one_case_has_its_history_newest_first_and_a_dossier_link(
    client: httpx.AsyncClient,
) -> None:
    listed = (await client.get("/api/v1/cases", headers=_auth(ME))).json()["items"][0]
    response = await client.get(listed["_links"]["self"], headers=_auth(ME))
    assert response.status_code == 200
    case = response.json()
    assert [s["statustype_code"] for s in case["history"]] == ["in-behandeling", "ontvangen"]
    assert case["_links"]["dossier"] == listed["_links"]["dossier"]


async def test_a_second_citizen_sees_neither_my_overview_nor_my_case(
    client: httpx.AsyncClient,
) -> None:
    mine = (await client.get("/api/v1/cases", headers=_auth(ME))).json()["items"]
    theirs = (await client.get("/api/v1/cases", headers=_auth(OTHER))).json()["items"]
    assert [case["identificatie"] for case in theirs] == ["THEIRS"]
    for case in mine:
        response = await client.get(f"/api/v1/cases/{case['case_id']}", headers=_auth(OTHER))
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


async def test_unknown_and_withdrawn_cases_are_not_found_and_a_token_is_required(
    client: httpx.AsyncClient, registry: OrganisationRegistry
) -> None:
    from zaken.domain.model import case_id_for

    gemeente = registry.by_broker_user("gemeente-voorbeeldstad")
    assert gemeente is not None
    gone = case_id_for(gemeente.oin, "GONE", ME)
    for path in (f"/api/v1/cases/{gone}", "/api/v1/cases/unknown"):
        assert (await client.get(path, headers=_auth(ME))).status_code == 404
    for path in ("/api/v1/cases", f"/api/v1/cases/{gone}"):
        response = await client.get(path)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


async def test_each_read_is_recorded_once_and_what_reads_nothing_is_not(
    client: httpx.AsyncClient, reads: ReadsInMemory
) -> None:
    """The processing log: a list and a case are one record each, for the token's citizen, by
    the citizen, through the token's issuer; another citizen's case (404) records nothing."""
    listed = (await client.get("/api/v1/cases", headers=_auth(ME))).json()["items"]
    await client.get(listed[0]["_links"]["self"], headers=_auth(ME))
    assert (await client.get(listed[0]["_links"]["self"], headers=_auth(OTHER))).status_code == 404
    assert [(read.action, read.bsns, read.party) for read in reads.reads] == [
        (activities.CASES_LISTED, (ME,), Party.citizen()),
        (activities.CASE_READ, (ME,), Party.citizen()),
    ]
    assert {read.caller.processor for read in reads.reads} == {DEV_ISSUER}
    assert not any(read.failed for read in reads.reads)


async def test_a_read_that_cannot_be_recorded_is_not_answered(
    client: httpx.AsyncClient, reads: ReadsInMemory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unavailable(*_: object, **__: object) -> None:
        raise ConnectionError("the database is away")

    monkeypatch.setattr(reads, "record", unavailable)
    with pytest.raises(ConnectionError):  # the server's 500: the cases never went out
        await client.get("/api/v1/cases", headers=_auth(ME))
