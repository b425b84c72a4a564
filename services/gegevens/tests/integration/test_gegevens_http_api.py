"""The citizen API of the real process: every endpoint with the owner's and a second citizen's
token, problem+json for what is refused, and the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from services.gegevens.tests.events import registration_changed, registration_removed
from services.gegevens.tests.integration.conftest import Gegevens, publish

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
LABELS = ["WOZ.waarde", "$prijs", "prijs in $", "🏠 adres"]


@pytest.fixture(scope="module")
async def citizens(platform: Platform, gegevens: Gegevens) -> tuple[str, str, str]:
    """An owner with a WOZ, a BRP and a vehicle registration (and a removed one); a second
    citizen with nothing. Returns (owner, second citizen, the owner's WOZ registration id)."""
    owner, other = random_bsn(), random_bsn()
    async with (
        platform.client("gemeente-voorbeeldstad") as gemeente,
        platform.client("rdw") as rdw,
    ):
        facts = [{"label": label, "value": {"type": "text", "text": "t"}} for label in LABELS]
        woz = registration_changed(gemeente.organisation, owner, register="WOZ", facts=facts)
        brp = registration_changed(gemeente.organisation, owner, register="BRP", key="a-nr")
        car = registration_changed(rdw.organisation, owner, key="AB-123-C", valid_from=T0)
        sold = registration_changed(rdw.organisation, owner, key="XY-987-Z", valid_from=T0)
        removal = registration_removed(
            rdw.organisation, owner, key="XY-987-Z", valid_from=T0 + timedelta(days=1)
        )
        await publish(gemeente, woz, brp)
        await publish(rdw, car, sold, removal)
        for event in (brp, car, sold, removal):
            await gegevens.stored(event)
        stored = await gegevens.stored(woz)
    return owner, other, stored["registration_id"]


async def test_the_overview_shows_only_the_citizens_own_current_registrations(
    gegevens: Gegevens, citizens: tuple[str, str, str]
) -> None:
    owner, other, _ = citizens
    response = await gegevens.get("/api/v1/registrations", owner)
    assert response.status_code == 200
    organisations = response.json()["organisations"]
    assert [org["name"] for org in organisations] == ["Gemeente Voorbeeldstad", "RDW"]
    assert [group["code"] for group in organisations[0]["registers"]] == ["BRP", "WOZ"]
    [vehicles] = organisations[1]["registers"]
    assert [r["registration_key"] for r in vehicles["registrations"]] == ["AB-123-C"]
    assert vehicles["registrations"][0]["where_to_change"]["url"].startswith("https://mijn.rdw")
    assert vehicles["last_updated"]

    theirs = await gegevens.get("/api/v1/registrations", other)
    assert theirs.status_code == 200
    assert theirs.json()["organisations"] == []
    assert theirs.json()["total"] == 0


async def test_the_detail_is_the_owners_alone(
    gegevens: Gegevens, citizens: tuple[str, str, str]
) -> None:
    owner, other, woz = citizens
    mine = await gegevens.get(f"/api/v1/registrations/{woz}", owner)
    assert mine.status_code == 200
    assert [fact["label"] for fact in mine.json()["facts"]] == LABELS
    assert mine.json()["register"] == {"code": "WOZ", "name": "WOZ-waarde"}

    theirs = await gegevens.get(f"/api/v1/registrations/{woz}", other)
    assert theirs.status_code == 404
    assert theirs.headers["content-type"] == PROBLEM
    assert owner not in theirs.text


@pytest.mark.parametrize("path", ["/api/v1/registrations", "/api/v1/registrations/{woz}"])
async def test_no_or_a_bad_token_is_refused(
    gegevens: Gegevens, citizens: tuple[str, str, str], path: str
) -> None:
    url = path.format(woz=citizens[2])
    for response in (await gegevens.get(url, None), await gegevens.get(url, "123456789")):
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM


async def test_the_api_is_described_by_openapi(gegevens: Gegevens) -> None:
    response = await gegevens.get("/api/v1/openapi.json", None)
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) >= {"/api/v1/registrations", "/api/v1/registrations/{registration_id}"}


async def test_the_overview_is_paged_by_registration_in_its_order(
    platform: Platform, gegevens: Gegevens
) -> None:
    owner = random_bsn()
    async with (
        platform.client("gemeente-voorbeeldstad") as gemeente,
        platform.client("rdw") as rdw,
    ):
        cars = [registration_changed(rdw.organisation, owner, key=f"K-{n:02d}") for n in range(23)]
        home = [
            registration_changed(gemeente.organisation, owner, register="WOZ"),
            registration_changed(gemeente.organisation, owner, register="BRP", key="a-nr"),
        ]
        await publish(rdw, *cars)
        await publish(gemeente, *home)
        for event in (*cars, *home):
            await gegevens.stored(event)

    pages = []
    for page in (1, 2, 3):
        response = await gegevens.get(f"/api/v1/registrations?page={page}&page_size=10", owner)
        assert response.status_code == 200
        pages.append(response.json())
    assert [page["total"] for page in pages] == [25, 25, 25]
    shown = [
        (org["name"], register["code"], registration["registration_key"])
        for page in pages
        for org in page["organisations"]
        for register in org["registers"]
        for registration in register["registrations"]
    ]
    assert [len(page_shown) for page_shown in (shown[:10], shown[10:20], shown[20:])] == [10, 10, 5]
    assert shown[:2] == [
        ("Gemeente Voorbeeldstad", "BRP", "a-nr"),
        ("Gemeente Voorbeeldstad", "WOZ", home[0]["data"]["registration_key"]),
    ]
    assert [key for _, _, key in shown[2:]] == [f"K-{n:02d}" for n in range(23)]
    assert pages[0]["_links"]["next"].endswith("page=2&page_size=10")
    assert pages[2]["_links"]["next"] is None
