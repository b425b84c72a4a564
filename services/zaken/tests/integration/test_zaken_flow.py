"""Status events through the real broker and database: recorded, notified once, or refused."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess

pytestmark = pytest.mark.integration

Event = dict[str, Any]
Matcher = Callable[[str], Callable[[Event], bool]]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _history(platform: Platform, bsn: str) -> list[Event]:
    statuses = platform.database("zaken").case_statuses.find({"bsn": bsn})
    return [status async for status in statuses]


async def test_a_valid_status_is_recorded_and_announced(
    platform: Platform,
    zaken: ServiceProcess,
    send: Callable[..., Awaitable[None]],
    status_event: Callable[..., Event],
    about_event: Matcher,
) -> None:
    bsn = random_bsn()
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        event = status_event(gemeente.organisation, bsn, "Z-2026-001")
        await send(gemeente, event)
        recorded = await gemeente.next_event("case-status-recorded", about_event(event["id"]))
    assert recorded["type"] == "nl.mijnoverheid.zaken.case-status-recorded"
    assert recorded["_routing_key"] == f"zaken.case-status-recorded.{gemeente.organisation.oin}"
    assert recorded["_user_id"] == "zaken", "published as the service itself"
    data = recorded["data"]
    assert (data["identificatie"], data["recipient_bsn"]) == ("Z-2026-001", bsn)
    assert (data["statustype_code"], data["is_eindstatus"]) == ("ontvangen", False)
    [stored] = await _history(platform, bsn)
    assert stored["case_id"] == data["case_id"]
    assert stored["dossier_url"] == event["data"]["dossier_url"]


async def test_duplicates_record_once_and_never_announce_anything_new(
    platform: Platform,
    zaken: ServiceProcess,
    send: Callable[..., Awaitable[None]],
    status_barrier: Callable[..., Awaitable[None]],
    status_event: Callable[..., Event],
    about_event: Matcher,
) -> None:
    bsn = random_bsn()
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        event = status_event(gemeente.organisation, bsn, "Z-DUP")
        resend = status_event(gemeente.organisation, bsn, "Z-DUP")  # same status, new event id
        for each in (event, event, resend):
            await send(gemeente, each)
        await status_barrier(gemeente)
        triggers = gemeente.events(
            "case-status-recorded", lambda e: e["data"]["recipient_bsn"] == bsn
        )
    assert {trigger["id"] for trigger in triggers} == {triggers[0]["id"]}
    assert triggers[0]["data"]["status_event_id"] == event["id"]
    history = await _history(platform, bsn)
    assert sorted(status["event_id"] for status in history) == sorted([event["id"], resend["id"]])


async def test_a_stale_status_is_kept_in_the_history_but_not_announced(
    platform: Platform,
    zaken: ServiceProcess,
    send: Callable[..., Awaitable[None]],
    status_barrier: Callable[..., Awaitable[None]],
    status_event: Callable[..., Event],
    about_event: Matcher,
) -> None:
    bsn = random_bsn()
    async with platform.client("belastingdienst") as belastingdienst:
        me = belastingdienst.organisation
        newer = status_event(me, bsn, "B-1", code="besluit", at=T0 + timedelta(days=3))
        older = status_event(me, bsn, "B-1", code="ontvangen", at=T0)
        await send(belastingdienst, newer)
        await belastingdienst.next_event("case-status-recorded", about_event(newer["id"]))
        await send(belastingdienst, older)
        await status_barrier(belastingdienst)
        assert not belastingdienst.events("case-status-recorded", about_event(older["id"]))
    history = await _history(platform, bsn)
    assert sorted(status["statustype_code"] for status in history) == ["besluit", "ontvangen"]


@pytest.mark.parametrize(
    ("broker_user", "overrides", "reason"),
    [
        ("gemeente-voorbeeldstad", {"dossier_url": "https://evil.example/z"}, "url-not-allowed"),
        (
            "gemeente-voorbeeldstad",
            {"dossier_url": "https://mijn.belastingdienst.example/z"},
            "url-not-allowed",
        ),
        (
            "belastingdienst",
            {"dossier_url": "http://mijn.belastingdienst.example/z"},
            "url-not-allowed",
        ),
        ("belastingdienst", {"bsn": "111111111"}, "invalid-bsn"),
        ("belastingdienst", {"datum_status_gezet": "gisteren"}, "malformed"),
        ("rdw", {}, "service-not-allowed"),
    ],
)
async def test_refused_events_are_answered_with_a_reason_and_not_recorded(
    platform: Platform,
    zaken: ServiceProcess,
    send: Callable[..., Awaitable[None]],
    status_event: Callable[..., Event],
    about_event: Matcher,
    broker_user: str,
    overrides: dict[str, Any],
    reason: str,
) -> None:
    async with platform.client(broker_user) as organisation:
        event = status_event(organisation.organisation, random_bsn(), "Z-BAD")
        event["data"].update(overrides)
        await send(organisation, event)
        rejected = await organisation.next_event("event-rejected", about_event(event["id"]))
    bsn = event["data"]["bsn"]
    assert rejected["type"] == "nl.mijnoverheid.zaken.event-rejected"
    assert rejected["_routing_key"] == f"zaken.event-rejected.{organisation.organisation.oin}"
    assert rejected["data"]["reason"] == reason
    assert bsn not in json.dumps(rejected), "a rejection never echoes personal data"
    assert await _history(platform, bsn) == []
