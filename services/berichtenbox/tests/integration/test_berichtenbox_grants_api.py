"""Machtigen against the real service process, RabbitMQ and FerretDB/MongoDB: grants arrive
as the portal announces them (its broker user, its routing keys), and a helper's token reads
only the owner's messages from the granted organisations while the grant holds; never another
organisation's, never a third person's, never after the withdrawal or the end."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from aiormq.exceptions import ChannelAccessRefused

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid_testing.accounts import grant_given, grant_withdrawn, publish_as_portal
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import OrganisationClient
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.waiting import wait_until
from services.berichtenbox.tests.integration.citizen_api import harness

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BELASTINGDIENST, GEMEENTE = "belastingdienst", "gemeente-voorbeeldstad"


@pytest.fixture(scope="module")
async def berichtenbox(platform: Platform) -> ServiceProcess:
    process = platform.service("berichtenbox").start()
    await process.ready()
    return process


@pytest.fixture
async def api(berichtenbox: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=berichtenbox.base_url, timeout=30.0) as client:
        yield client


def as_citizen(platform: Platform, bsn: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.stack.citizen_token(bsn)}"}


async def deliver(platform: Platform, broker_user: str, bsn: str, subject: str) -> str:
    async with platform.client(broker_user) as organisation:
        attachments = [harness.attachment("brief.pdf", "application/pdf", PDF)]
        delivered = await harness.deliver(
            organisation, bsn, subject=subject, attachments=attachments
        )
    return str(delivered["message_id"])


async def give(
    platform: Platform,
    owner: str,
    helper: str,
    *broker_users: str,
    valid_until: datetime | None = None,
) -> str:
    """Announced as the portal does; returns once the Berichtenbox knows the grant."""
    oins = [platform.organisation(user).oin for user in broker_users]
    event = grant_given(owner, helper, oins, owner_name="J. Jansen", valid_until=valid_until)
    await publish_as_portal(platform.stack, platform.vhost, [event])
    grant_id = str(event.data["grant_id"])
    # The helper's slot is written after the grant: once it is there, so is the grant, in the
    # helper's list too (asking for the grant itself could answer before the list does).
    slots = platform.database("berichtenbox").helper_grants
    await wait_until(
        lambda: slots.find_one({"grant_id": grant_id}), what="the Berichtenbox to know the grant"
    )
    return grant_id


async def _status_is_not(
    api: httpx.AsyncClient, path: str, headers: dict[str, str], status: int
) -> bool:
    return (await api.get(path, headers=headers)).status_code != status


async def owners_trail(api: httpx.AsyncClient, headers: dict[str, str], message_id: str) -> Any:
    answer = await api.get(f"/api/v1/messages/{message_id}/trail", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_helper_reads_only_the_owners_messages_from_granted_organisations(
    platform: Platform, api: httpx.AsyncClient
) -> None:
    owner, helper, stranger = random_bsn(), random_bsn(), random_bsn()
    from_x = await deliver(platform, BELASTINGDIENST, owner, "Aanslag 2025")
    trashed_x = await deliver(platform, BELASTINGDIENST, owner, "Oude brief")
    from_y = await deliver(platform, GEMEENTE, owner, "Paspoort")
    strangers_x = await deliver(platform, BELASTINGDIENST, stranger, "Van iemand anders")
    owner_h, helper_h = as_citizen(platform, owner), as_citizen(platform, helper)
    assert (await api.delete(f"/api/v1/messages/{trashed_x}", headers=owner_h)).status_code == 204
    grant_id = await give(platform, owner, helper, BELASTINGDIENST)
    base = f"/api/v1/grants/{grant_id}"

    grants = (await api.get("/api/v1/grants", headers=helper_h)).json()["grants"]
    assert [(g["grant_id"], g["owner_name"]) for g in grants] == [(grant_id, "J. Jansen")]
    assert grants[0]["organisations"] == [
        {"oin": platform.organisation(BELASTINGDIENST).oin, "name": "Belastingdienst"}
    ]
    listing = await api.get(f"{base}/messages", headers=helper_h)
    assert listing.status_code == 200, listing.text
    assert listing.headers["cache-control"] == "no-store"
    items = listing.json()["items"]
    assert [item["message_id"] for item in items] == [from_x], "not Y's, not the trashed one"
    assert not {"subject", "body", "folder", "read", "read_at"} & set(items[0]), "no content"

    opened = await api.get(f"{base}/messages/{from_x}", headers=helper_h)
    assert opened.status_code == 200, opened.text
    assert (opened.json()["subject"], opened.json()["owner_name"]) == ("Aanslag 2025", "J. Jansen")
    download = await api.get(f"{base}/messages/{from_x}/attachments/0", headers=helper_h)
    assert (download.status_code, download.content) == (200, PDF)

    for other in (from_y, trashed_x, strangers_x, "does-not-exist"):
        assert (await api.get(f"{base}/messages/{other}", headers=helper_h)).status_code == 404
        attachment = f"{base}/messages/{other}/attachments/0"
        assert (await api.get(attachment, headers=helper_h)).status_code == 404
    for nobody in (owner, stranger):  # only the helper reads through the grant
        headers = as_citizen(platform, nobody)
        for path in (base, f"{base}/messages", f"{base}/messages/{from_x}"):
            assert (await api.get(path, headers=headers)).status_code == 404, path
        assert (await api.get("/api/v1/grants", headers=headers)).json() == {"grants": []}

    # The owner sees both views in the trail, naming the grant and never the helper.
    trail = await owners_trail(api, owner_h, from_x)
    views = [e for e in trail["entries"] if e["kind"] == "viewed-by-helper"]
    assert [e["details"] for e in views] == [
        {"grant_id": grant_id},
        {"grant_id": grant_id, "attachment": 0},
    ]
    assert helper not in json.dumps(trail)
    assert trail["verification"]["valid"] is True
    text = (await api.get(f"/api/v1/messages/{from_x}/trail.txt", headers=owner_h)).text
    assert "bekeken door een gemachtigde" in text
    assert "bijlage gedownload door een gemachtigde" in text
    assert not any(e["kind"] == "read" for e in trail["entries"])

    # And in the owner's processing log, as the helper's reads under this grant.
    log = await api.get("/api/v1/processing-log", params={"party": "others"}, headers=owner_h)
    helper_reads = [
        (r["action"], {k: v for k, v in r["party"].items() if v is not None})
        for r in log.json()["items"]
        if r["party"]["kind"] == "helper"
    ]
    assert sorted(helper_reads, key=str) == [
        ("helper-attachment-read", {"kind": "helper", "authorisation_id": grant_id}),
        ("helper-message-read", {"kind": "helper", "authorisation_id": grant_id}),
    ]

    # Still unread for the owner; the sender hears of the owner's read, not of the helper's.
    [summary] = (
        await api.get("/api/v1/messages", params={"sender_oin": _oin(platform)}, headers=owner_h)
    ).json()["items"]
    assert summary["read"] is False
    async with platform.client(BELASTINGDIENST) as belastingdienst:
        read = (await api.get(f"/api/v1/messages/{from_x}", headers=owner_h)).json()
        reported = await belastingdienst.next_event(
            "message-read", lambda e: e["data"]["message_id"] == from_x
        )
    assert datetime.fromisoformat(reported["data"]["read_at"]) == datetime.fromisoformat(
        read["read_at"]
    )


def _oin(platform: Platform) -> str:
    return platform.organisation(BELASTINGDIENST).oin


async def test_a_withdrawal_ends_the_reading_even_with_the_list_open(
    platform: Platform, api: httpx.AsyncClient
) -> None:
    owner, helper = random_bsn(), random_bsn()
    message_id = await deliver(platform, BELASTINGDIENST, owner, "Aanslag")
    grant_id = await give(platform, owner, helper, BELASTINGDIENST, GEMEENTE)
    helper_h, base = as_citizen(platform, helper), f"/api/v1/grants/{grant_id}"
    listing = (await api.get(f"{base}/messages", headers=helper_h)).json()
    [href] = [item["href"] for item in listing["items"]]  # the list the helper has open

    await publish_as_portal(platform.stack, platform.vhost, [grant_withdrawn(grant_id)])
    # Asked of the grant, not the message: opening it would be a view (and recorded).
    await wait_until(
        lambda: _status_is_not(api, base, helper_h, 200), what="the withdrawal to take effect"
    )
    refused = await api.get(href, headers=helper_h)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "withdrew" in refused.json()["detail"]
    for path in (base, f"{base}/messages", f"{href}/attachments/0"):
        assert (await api.get(path, headers=helper_h)).status_code == 403, path
    assert (await api.get("/api/v1/grants", headers=helper_h)).json() == {"grants": []}
    owner_trail = await owners_trail(api, as_citizen(platform, owner), message_id)
    assert "viewed-by-helper" not in [e["kind"] for e in owner_trail["entries"]], "nothing shown"


async def test_a_grant_ends_at_its_end_without_anyone_doing_anything(
    platform: Platform, api: httpx.AsyncClient
) -> None:
    owner, helper = random_bsn(), random_bsn()
    await deliver(platform, BELASTINGDIENST, owner, "Aanslag")
    helper_h = as_citizen(platform, helper)
    ended = await give(
        platform, owner, helper, BELASTINGDIENST, valid_until=utc_now() - timedelta(seconds=1)
    )
    assert (await api.get(f"/api/v1/grants/{ended}/messages", headers=helper_h)).status_code == 403
    soon = utc_now() + timedelta(seconds=4)
    ending = await give(platform, owner, helper, BELASTINGDIENST, valid_until=soon)
    listing = f"/api/v1/grants/{ending}/messages"
    await wait_until(
        lambda: _status_is_not(api, listing, helper_h, 200), timeout=30, what="the grant's end"
    )
    assert utc_now() >= soon
    refused = await api.get(listing, headers=helper_h)
    assert (refused.status_code, "ended" in refused.json()["detail"]) == (403, True)


async def test_a_withdrawal_that_arrives_before_its_grant_holds_and_redelivery_changes_nothing(
    platform: Platform, api: httpx.AsyncClient
) -> None:
    owner, helper = random_bsn(), random_bsn()
    await deliver(platform, BELASTINGDIENST, owner, "Aanslag")
    event = grant_given(owner, helper, [_oin(platform)])
    grant_id = str(event.data["grant_id"])
    await publish_as_portal(platform.stack, platform.vhost, [grant_withdrawn(grant_id)])
    await platform.drained("berichtenbox")  # the withdrawal is recorded, the grant not yet
    await publish_as_portal(platform.stack, platform.vhost, [event, event])
    path, helper_h = f"/api/v1/grants/{grant_id}", as_citizen(platform, helper)
    await wait_until(lambda: _status_is_not(api, path, helper_h, 404), what="the grant")
    assert (await api.get(path, headers=helper_h)).status_code == 403
    await platform.drained("berichtenbox")
    slots = platform.database("berichtenbox").helper_grants
    assert await slots.count_documents({"grant_id": grant_id}) == 1, "one slot, however often"


async def test_an_organisation_cannot_announce_a_grant(
    platform: Platform, api: httpx.AsyncClient
) -> None:
    owner, helper = random_bsn(), random_bsn()
    event = grant_given(owner, helper, [_oin(platform)])
    async with platform.client(BELASTINGDIENST) as belastingdienst:
        # An organisation may not even write the portal's keys: the broker refuses it.
        with pytest.raises(ChannelAccessRefused, match="topic"):
            await _publish_raw(belastingdienst, event)
    grant_id = str(event.data["grant_id"])
    headers = as_citizen(platform, helper)
    assert (await api.get(f"/api/v1/grants/{grant_id}", headers=headers)).status_code == 404


async def _publish_raw(organisation: OrganisationClient, event: Any) -> None:
    payload = json.loads(event.model_dump_json())
    await organisation.publish(payload, routing_key=events.GRANT_GIVEN.key("00000001234567890000"))
