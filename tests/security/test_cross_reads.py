"""Nobody reads or touches what is someone else's, against the real services: a citizen gets
404 on every route that names another citizen's message, case or registration (the same
answer as for an id that does not exist, so ids cannot be probed), and an organisation asking
about another organisation's messages hears "not found".

Every route with an id in its path is taken from the served OpenAPI document, so a route added
later is covered without anyone remembering to."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import httpx
import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import about, message_sent
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.waiting import wait_until
from services.gegevens.tests.events import registration_changed
from tests.security.test_inbound_attacks import _case_status

pytestmark = pytest.mark.integration

OWNER, OTHER = random_bsn(), random_bsn()
PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()
_PARAMETER = re.compile(r"\{(\w+)\}")


def citizen(platform: Platform, base_url: str, bsn: str) -> httpx.AsyncClient:
    token = platform.stack.citizen_token(bsn)
    return httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
async def owned(platform: Platform) -> dict[str, Any]:
    """The owner's message (with an attachment), case and registration, and the services."""
    started = await platform.start("berichtenbox", "zaken", "gegevens")
    urls = {name: process.base_url for name, process in started.items()}
    async with platform.client("belastingdienst") as belastingdienst:
        await belastingdienst.enrol(OWNER)
        attachment = {"file_name": "a.pdf", "media_type": "application/pdf", "content": PDF}
        event = message_sent(belastingdienst.organisation, OWNER, attachments=[attachment])
        await belastingdienst.publish(event)
        delivered = await belastingdienst.next_event("message-delivered", about(event["id"]))
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        case = _case_status(gemeente, bsn=OWNER)
        await gemeente.publish(
            case, routing_key=events.CASE_STATUS_CHANGED.key(gemeente.organisation.oin)
        )
        registration = registration_changed(gemeente.organisation, OWNER)
        await gemeente.publish(
            registration, routing_key=events.REGISTRATION_CHANGED.key(gemeente.organisation.oin)
        )
    ids = {"message_id": delivered["data"]["message_id"], "index": "0"}
    async with citizen(platform, urls["zaken"], OWNER) as owner:
        cases = await wait_until(lambda: _items(owner, "/api/v1/cases"), what="the owner's case")
        ids["case_id"] = cases[0]["case_id"]
    async with citizen(platform, urls["gegevens"], OWNER) as owner:
        overview = await wait_until(lambda: _registrations(owner), what="the owner's registration")
        ids["registration_id"] = overview[0]
    return {"urls": urls, "ids": ids, "case": case}


async def _items(client: httpx.AsyncClient, path: str) -> list[Any]:
    return list((await client.get(path)).json()["items"])


async def _registrations(client: httpx.AsyncClient) -> list[str]:
    overview = (await client.get("/api/v1/registrations")).json()
    return [
        registration["registration_id"]
        for organisation in overview["organisations"]
        for register in organisation["registers"]
        for registration in register["registrations"]
    ]


async def _operations_with_ids(base_url: str) -> list[tuple[str, str, dict[str, Any]]]:
    async with httpx.AsyncClient(base_url=base_url) as client:
        document = (await client.get("/api/v1/openapi.json")).json()
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        if _PARAMETER.search(path)
        for method, operation in operations.items()
    ]


@pytest.mark.parametrize("service", ["berichtenbox", "zaken", "gegevens"])
async def test_another_citizen_gets_404_on_every_route_with_an_id(
    platform: Platform, owned: dict[str, Any], service: str
) -> None:
    base_url, ids = owned["urls"][service], owned["ids"]
    operations = await _operations_with_ids(base_url)
    assert operations, f"{service} has routes with ids"
    answers = {}
    for method, path, operation in operations:
        concrete = _PARAMETER.sub(lambda match: ids[match[1]], path)
        body = {"folder": "archive"} if "requestBody" in operation else None
        async with citizen(platform, base_url, OTHER) as other:
            answers[f"{method} {path}"] = (
                await other.request(method, concrete, json=body)
            ).status_code
        if method == "GET":  # the same request of the owner succeeds: the 404 is about who
            async with citizen(platform, base_url, OWNER) as owner:
                assert (await owner.get(concrete)).status_code == 200, concrete
    assert set(answers.values()) == {404}, answers


async def test_the_owners_message_is_untouched_by_the_other_citizens_tries(
    platform: Platform, owned: dict[str, Any]
) -> None:
    async with citizen(platform, owned["urls"]["berichtenbox"], OWNER) as owner:
        [summary] = await _items(owner, "/api/v1/messages")
    assert summary["message_id"] == owned["ids"]["message_id"]
    assert summary["folder"] == "inbox"


async def test_an_organisation_hears_not_found_about_another_organisations_message(
    platform: Platform, owned: dict[str, Any]
) -> None:
    message_id = owned["ids"]["message_id"]  # the Belastingdienst's
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        request = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": source_for(gemeente.organisation.oin, "zaaksysteem"),
            "type": events.MESSAGE_STATUS_REQUESTED.type,
            "time": utc_now().isoformat(),
            "data": {"message_ids": [message_id], "include_trail": True},
        }
        oin = gemeente.organisation.oin
        await gemeente.publish(request, routing_key=events.MESSAGE_STATUS_REQUESTED.key(oin))
        answer = await gemeente.next_event(
            "message-status", lambda e: e["data"]["request_id"] == request["id"]
        )
    assert answer["data"]["messages"] == []
    assert answer["data"]["not_found"] == [message_id]


async def test_an_organisation_hears_nothing_of_another_organisations_case(
    platform: Platform, owned: dict[str, Any]
) -> None:
    identificatie = owned["case"]["data"]["identificatie"]  # the Gemeente's
    async with platform.client("belastingdienst") as belastingdienst:
        request = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": source_for(belastingdienst.organisation.oin, "zaaksysteem"),
            "type": events.CASE_STATE_REQUESTED.type,
            "time": utc_now().isoformat(),
            "data": {"identificaties": [identificatie]},
        }
        oin = belastingdienst.organisation.oin
        await belastingdienst.publish(request, routing_key=events.CASE_STATE_REQUESTED.key(oin))
        answer = await belastingdienst.next_event(
            "case-state", lambda e: e["data"]["request_id"] == request["id"]
        )
    [case] = answer["data"]["cases"]
    assert case["identificatie"] == identificatie
    assert case["state"] == "not-found"
    assert case["citizens"] == []
