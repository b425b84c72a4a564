"""The trash, unread first and the citizen's copy of the receipt, against the real service
process, RabbitMQ and FerretDB/MongoDB. Fresh random citizens per test."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import OrganisationClient, about, message_sent
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from services.berichtenbox.tests.integration.citizen_api.harness import (
    as_citizen,
    assert_problem,
    deliver,
    snapshot,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def berichtenbox(platform: Platform) -> ServiceProcess:
    process = platform.service("berichtenbox").start()
    await process.ready()
    return process


@pytest.fixture
async def api(berichtenbox: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=berichtenbox.base_url, timeout=30.0) as client:
        yield client


@pytest.fixture
async def belastingdienst(platform: Platform) -> AsyncIterator[OrganisationClient]:
    async with platform.client("belastingdienst") as client:
        yield client


async def listed(api: httpx.AsyncClient, bsn: str, **params: str) -> list[str]:
    response = await api.get("/api/v1/messages", params=params, headers=as_citizen(bsn))
    assert response.status_code == 200, response.text
    return [item["message_id"] for item in response.json()["items"]]


async def test_delete_puts_in_the_trash_restore_puts_back_and_the_trail_has_each_move(
    platform: Platform, api: httpx.AsyncClient, belastingdienst: OrganisationClient
) -> None:
    bsn = random_bsn()
    me = as_citizen(bsn)
    message_id = (await deliver(belastingdienst, bsn))["message_id"]
    url = f"/api/v1/messages/{message_id}"
    moved = await api.put(f"{url}/folder", json={"folder": "Belastingen"}, headers=me)
    assert moved.status_code == 200, moved.text

    for _ in range(2):  # deleting again changes nothing
        assert (await api.delete(url, headers=me)).status_code == 204
    assert await listed(api, bsn) == [], "the trash is not in the listing of all folders"
    assert await listed(api, bsn, folder="Belastingen") == []
    assert await listed(api, bsn, folder="trash") == [message_id]
    trashed = (await api.get("/api/v1/messages", params={"folder": "Trash"}, headers=me)).json()
    assert trashed["items"][0]["folder"] == "trash"
    assert trashed["items"][0]["trashed_at"] is not None
    folders = (await api.get("/api/v1/folders", headers=me)).json()["folders"]
    assert folders == [
        {"name": "inbox", "total": 0, "unread": 0},
        {"name": "archive", "total": 0, "unread": 0},
        {"name": "trash", "total": 1, "unread": 1},
    ]
    assert (await api.get(url, headers=me)).status_code == 200, "still readable in the trash"

    restored = await api.post(f"{url}/restore", headers=me)
    assert restored.status_code == 200, restored.text
    assert (restored.json()["folder"], restored.json()["trashed_at"]) == ("Belastingen", None)
    again = await api.post(f"{url}/restore", headers=me)
    assert again.status_code == 200
    assert again.json()["folder"] == "Belastingen"
    assert await listed(api, bsn, folder="Belastingen") == [message_id]

    stored, trail = await snapshot(platform, message_id)
    assert (stored["folder"], stored["trashed_from"], stored["trashed_at"]) == (
        "Belastingen",
        None,
        None,
    )
    moves = [entry["details"] for entry in trail if entry["kind"] == "moved"]
    assert moves == [
        {"from": "inbox", "to": "own"},
        {"from": "own", "to": "trash"},
        {"from": "trash", "to": "own"},
    ]
    text = (await api.get(f"{url}/trail.txt", headers=me)).text
    assert "deleted to the trash" in text
    assert "restored from the trash" in text
    assert "Belastingen" not in text, "the citizen's own folder names stay private"


async def test_delete_for_good_only_from_the_trash(
    api: httpx.AsyncClient, belastingdienst: OrganisationClient
) -> None:
    bsn = random_bsn()
    me = as_citizen(bsn)
    message_id = (await deliver(belastingdienst, bsn))["message_id"]
    url = f"/api/v1/messages/{message_id}"

    assert_problem(await api.delete(f"{url}/content", headers=me), 409)
    assert (await api.get(url, headers=me)).status_code == 200, "a 409 changes nothing"
    await api.delete(url, headers=me)
    assert (await api.delete(f"{url}/content", headers=me)).status_code == 204
    assert_problem(await api.get(url, headers=me), 410)
    assert_problem(await api.post(f"{url}/restore", headers=me), 410)
    assert (await api.delete(url, headers=me)).status_code == 204, "gone: nothing changes"
    assert await listed(api, bsn, folder="trash") == []


async def test_unread_first_pages_unread_then_read_each_newest_first(
    api: httpx.AsyncClient, belastingdienst: OrganisationClient
) -> None:
    bsn = random_bsn()
    me = as_citizen(bsn)
    sent = [(await deliver(belastingdienst, bsn))["message_id"] for _ in range(5)]
    oldest, second, third, fourth, newest = sent
    for read in (second, newest):
        assert (await api.get(f"/api/v1/messages/{read}", headers=me)).status_code == 200

    expected = [fourth, third, oldest, newest, second]
    assert await listed(api, bsn) == list(reversed(sent)), "the default stays newest first"
    assert await listed(api, bsn, sort="unread-first") == expected
    pages = []
    next_url: str | None = "/api/v1/messages?sort=unread-first&page_size=2"
    while next_url:
        page = (await api.get(next_url, headers=me)).json()
        assert page["total"] == 5
        pages.append([item["message_id"] for item in page["items"]])
        next_url = page["_links"]["next"]
    assert pages == [expected[0:2], expected[2:4], expected[4:]]
    only_read = await listed(api, bsn, sort="unread-first", unread="false")
    assert only_read == [newest, second]
    assert_problem(await api.get("/api/v1/messages", params={"sort": "x"}, headers=me), 400)


async def test_the_receipt_is_the_senders_and_verifies_with_the_published_key(
    platform: Platform, api: httpx.AsyncClient, belastingdienst: OrganisationClient
) -> None:
    bsn = random_bsn()
    me = as_citizen(bsn)
    await belastingdienst.enrol(bsn)
    event = message_sent(belastingdienst.organisation, bsn)
    await belastingdienst.publish(event)
    delivered = await belastingdienst.next_event("message-delivered", about(event["id"]))
    message_id = delivered["data"]["message_id"]
    url = f"/api/v1/messages/{message_id}/receipt"

    answer = await api.get(url, headers=me)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    receipt = answer.json()
    assert receipt == delivered["data"]["receipt"]
    keys = (await api.get("/api/v1/receipt-keys")).json()["keys"]
    key = next(k for k in keys if k["key_id"] == receipt["key_id"])
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    public.verify(base64.b64decode(receipt["signature"]), receipt["payload"].encode())
    assert json.loads(receipt["payload"])["content_digest"] == delivered["data"]["content_digest"]

    await api.delete(f"/api/v1/messages/{message_id}", headers=me)
    await api.delete(f"/api/v1/messages/{message_id}/content", headers=me)
    after = await api.get(url, headers=me)
    assert after.json() == receipt, "the proof outlives the content"
    assert_problem(await api.get(url, headers=as_citizen(random_bsn())), 404)
    assert_problem(await api.get(url), 401)
