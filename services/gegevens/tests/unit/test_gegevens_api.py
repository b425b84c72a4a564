"""The citizen API on fakes: grouped overview, detail, and nothing of another citizen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from gegevens.app import GegevensApi
from gegevens.entrypoints import api
from mijnoverheid import problems
from mijnoverheid.auth import DEV_ISSUER, CitizenTokenVerifier, load_private_key, mint_token
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.devtokens import DEV_PRIVATE_KEY, DEV_PUBLIC_KEYS
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid_testing.processing_log import ReadsInMemory
from services.gegevens.tests.events import delivery, registration_changed, registration_removed
from services.gegevens.tests.unit.conftest import Service

JANSEN, DE_VRIES = "999993653", "999990019"


def bearer(bsn: str) -> dict[str, str]:
    token = mint_token(load_private_key(DEV_PRIVATE_KEY), bsn, timedelta(minutes=5))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def client(
    service: Service, registry: OrganisationRegistry, gemeente: Organisation, rdw: Organisation
) -> AsyncIterator[httpx.AsyncClient]:
    for sender, register, key in [
        (gemeente, "WOZ", "0518-1"),
        (gemeente, "BRP", "a-nummer"),
        (rdw, "RDW-vehicles", "AB-123-C"),
        (rdw, "RDW-vehicles", "XY-987-Z"),
    ]:
        event = registration_changed(sender, JANSEN, register=register, key=key)
        await service.handle(delivery(sender, event))
    later = utc_now() + timedelta(days=1)
    removal = registration_removed(rdw, JANSEN, key="XY-987-Z", valid_from=later)
    await service.handle(delivery(rdw, removal))
    app = FastAPI()
    problems.install(app)
    app.state.citizen_tokens = CitizenTokenVerifier.from_files({DEV_ISSUER: DEV_PUBLIC_KEYS})
    app.state.api = GegevensApi(service.store, registry)
    app.state.processing_log = ReadsInMemory()
    app.include_router(api.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gegevens") as client:
        yield client


async def test_the_overview_is_grouped_by_organisation_then_register(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/registrations", headers=bearer(JANSEN))
    assert response.status_code == 200
    organisations = response.json()["organisations"]
    assert [org["name"] for org in organisations] == ["Gemeente Voorbeeldstad", "RDW"]
    gemeente, rdw = organisations
    assert [(r["code"], r["name"]) for r in gemeente["registers"]] == [
        ("BRP", "Basisregistratie Personen"),
        ("WOZ", "WOZ-waarde"),
    ]
    [vehicles] = rdw["registers"]
    assert [r["registration_key"] for r in vehicles["registrations"]] == ["AB-123-C"]
    shown = vehicles["registrations"][0]
    assert shown["where_to_change"]["url"].startswith("https://mijn.rdw.example/")
    assert shown["last_updated"] == vehicles["last_updated"] == rdw["last_updated"]
    assert "facts" not in shown
    assert shown["_links"]["self"].endswith(f"/api/v1/registrations/{shown['registration_id']}")


async def test_the_detail_has_the_facts_in_order(client: httpx.AsyncClient) -> None:
    overview = (await client.get("/api/v1/registrations", headers=bearer(JANSEN))).json()
    link = overview["organisations"][0]["registers"][1]["registrations"][0]["_links"]["self"]
    response = await client.get(link, headers=bearer(JANSEN))
    assert response.status_code == 200
    detail = response.json()
    assert detail["organisation"]["name"] == "Gemeente Voorbeeldstad"
    assert detail["register"] == {"code": "WOZ", "name": "WOZ-waarde"}
    assert [fact["label"] for fact in detail["facts"]] == ["WOZ-waarde", "Waardepeildatum", "Adres"]
    assert detail["facts"][0]["value"] == {
        "type": "amount",
        "amount": "312000.00",
        "currency": "EUR",
    }


async def test_another_citizen_sees_nothing_of_it(client: httpx.AsyncClient) -> None:
    overview = (await client.get("/api/v1/registrations", headers=bearer(JANSEN))).json()
    link = overview["organisations"][0]["registers"][0]["registrations"][0]["_links"]["self"]
    mine = await client.get("/api/v1/registrations", headers=bearer(DE_VRIES))
    assert (mine.json()["organisations"], mine.json()["total"]) == ([], 0)
    theirs = await client.get(link, headers=bearer(DE_VRIES))
    assert theirs.status_code == 404
    assert theirs.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/api/v1/registrations", "/api/v1/registrations/x"])
async def test_no_token_no_answer(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_unknown_or_removed_registration_is_not_found(
    client: httpx.AsyncClient, rdw: Organisation
) -> None:
    response = await client.get("/api/v1/registrations/unknown", headers=bearer(JANSEN))
    assert response.status_code == 404
    assert response.json()["title"] == "Not Found"
