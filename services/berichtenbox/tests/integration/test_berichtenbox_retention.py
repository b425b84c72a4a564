"""The retention scan against the real database and broker, called in-process with a chosen
`now` (the service's own loop calls the same function with the wall clock).

Messages are delivered through the real service; the scan runs as "another replica": its own
repositories on the service's database and its own broker connection as user berichtenbox.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from faststream.rabbit import RabbitBroker

from berichtenbox.adapters.attachments import ATTACHMENTS_BUCKET
from berichtenbox.domain.message import RetentionPolicy
from berichtenbox.domain.trail import verify_chain
from berichtenbox.handlers.retention import RetentionJob
from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.contracts.envelope import derived_event_id, utc_now
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import OrganisationClient
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from services.berichtenbox.tests import replicas
from services.berichtenbox.tests.replicas import retention_replica, trail_of

pytestmark = pytest.mark.integration

WARN_BEFORE = timedelta(days=14)
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8


@pytest.fixture(scope="module")
async def berichtenbox(platform: Platform) -> ServiceProcess:
    # The service's own scan (wall clock) must not race the tests' chosen moments.
    process = platform.service("berichtenbox").start(RETENTION_SCAN_SECONDS="3600")
    await process.ready()
    return process


@pytest.fixture(scope="module")
async def replica_broker(platform: Platform) -> AsyncIterator[RabbitBroker]:
    async with platform.service_broker("berichtenbox") as broker:
        yield broker


def replica(platform: Platform, broker: RabbitBroker) -> RetentionJob:
    return retention_replica(platform, broker, RetentionPolicy(warn_before=WARN_BEFORE))


@pytest.fixture
async def belastingdienst(platform: Platform) -> AsyncIterator[OrganisationClient]:
    async with platform.client("belastingdienst") as client:
        yield client


async def deliver(
    organisation: OrganisationClient, bsn: str, expires_in: timedelta, **data: Any
) -> dict[str, Any]:
    expires_at = (utc_now() + expires_in).isoformat()
    return await replicas.deliver(organisation, bsn, expires_at=expires_at, **data)


def as_citizen(bsn: str) -> dict[str, str]:
    token = mint_token(load_private_key(DEV_PRIVATE_KEY), bsn, timedelta(minutes=5))
    return {"Authorization": f"Bearer {token}"}


async def stored(platform: Platform, message_id: str) -> Any:
    return await platform.database("berichtenbox").messages.find_one({"_id": message_id})


async def test_expired_content_is_removed_once_and_the_trail_stays(
    platform: Platform,
    berichtenbox: ServiceProcess,
    replica_broker: RabbitBroker,
    belastingdienst: OrganisationClient,
) -> None:
    bsn = random_bsn()
    attachment = {
        "file_name": "aanslag.pdf",
        "media_type": "application/pdf",
        "content": base64.b64encode(PDF).decode(),
    }
    due = await deliver(belastingdienst, bsn, timedelta(days=40), attachments=[attachment])
    later = await deliver(belastingdienst, bsn, timedelta(days=400))
    before = await stored(platform, due["message_id"])
    file_id = before["attachments"][0]["file_id"]
    files = platform.database("berichtenbox")[f"{ATTACHMENTS_BUCKET}.files"]
    assert await files.count_documents({"_id": file_id}) == 1
    expires_at: datetime = before["expires_at"]
    now = expires_at + timedelta(seconds=1)

    # Two replicas scanning at the same moment.
    await asyncio.gather(
        replica(platform, replica_broker).run_retention_once(now),
        replica(platform, replica_broker).run_retention_once(now),
    )

    expired = await stored(platform, due["message_id"])
    assert (expired["subject"], expired["body"], expired["attachments"]) == ("", "", [])
    assert expired["content_digest"] == due["content_digest"]
    assert await files.count_documents({"_id": file_id}) == 0
    entries = await trail_of(platform, due["message_id"])
    assert [entry.cause for entry in entries] == ["submitted", "stored", "expired"]
    assert expired["expired_at"] == entries[-1].at
    assert verify_chain(entries).valid
    untouched = await stored(platform, later["message_id"])
    assert untouched["expired_at"] is None
    assert untouched["subject"]

    await replica(platform, replica_broker).run_retention_once(now + timedelta(hours=1))
    assert await stored(platform, due["message_id"]) == expired
    assert await trail_of(platform, due["message_id"]) == entries

    async with httpx.AsyncClient(base_url=berichtenbox.base_url) as api:
        gone = await api.get(f"/api/v1/messages/{due['message_id']}", headers=as_citizen(bsn))
        assert gone.status_code == 410
        verification = await api.get(
            f"/api/v1/messages/{due['message_id']}/trail/verification", headers=as_citizen(bsn)
        )
        assert verification.json()["valid"] is True


async def test_unread_messages_get_one_expiry_warning_read_and_trashed_ones_none(
    platform: Platform,
    berichtenbox: ServiceProcess,
    replica_broker: RabbitBroker,
    belastingdienst: OrganisationClient,
) -> None:
    bsn = random_bsn()
    unread = await deliver(belastingdienst, bsn, timedelta(days=1000))
    read = await deliver(belastingdienst, bsn, timedelta(days=1000))
    trashed = await deliver(belastingdienst, bsn, timedelta(days=1000))
    sentinel = await deliver(belastingdienst, bsn, timedelta(days=1010))
    async with httpx.AsyncClient(base_url=berichtenbox.base_url) as api:
        opened = await api.get(f"/api/v1/messages/{read['message_id']}", headers=as_citizen(bsn))
        assert opened.status_code == 200
        deleted = await api.delete(
            f"/api/v1/messages/{trashed['message_id']}", headers=as_citizen(bsn)
        )
        assert deleted.status_code == 204
    expires_at: datetime = (await stored(platform, unread["message_id"]))["expires_at"]
    in_window = expires_at - timedelta(days=5)  # the sentinel is not in the window yet

    await replica(platform, replica_broker).run_retention_once(in_window)
    await asyncio.gather(
        replica(platform, replica_broker).run_retention_once(in_window),
        replica(platform, replica_broker).run_retention_once(in_window + timedelta(days=1)),
    )
    # The sentinel's warning is published after any duplicate would have been.
    await replica(platform, replica_broker).run_retention_once(expires_at - timedelta(days=2))
    await belastingdienst.next_event(
        "message-expiring", lambda e: e["data"]["message_id"] == sentinel["message_id"]
    )

    def warnings_for(message: dict[str, Any]) -> list[Any]:
        return belastingdienst.events(
            "message-expiring", lambda e: e["data"]["message_id"] == message["message_id"]
        )

    [warning] = warnings_for(unread)
    assert warnings_for(read) == []
    assert warnings_for(trashed) == [], "the citizen deleted it: no reminder to read it"
    event = unread["event"]
    assert warning["id"] == derived_event_id(event["source"], event["id"], "message-expiring")
    assert warning["_routing_key"] == (
        f"berichtenbox.message-expiring.{belastingdienst.organisation.oin}"
    )
    assert warning["_user_id"] == "berichtenbox"
    assert warning["data"]["reference"] == event["data"]["reference"]
    assert warning["data"]["recipient_bsn"] == bsn
    assert datetime.fromisoformat(warning["data"]["expires_at"]) == expires_at

    entries = await trail_of(platform, unread["message_id"])
    assert [(e.kind.value, e.cause) for e in entries][-1] == ("expiry-warned", "expiry-warned")
    assert entries[-1].details == {"event_id": warning["id"]}
    assert "expiry-warned" not in [e.cause for e in await trail_of(platform, read["message_id"])]
    still_there = await stored(platform, unread["message_id"])
    assert still_there["expired_at"] is None
