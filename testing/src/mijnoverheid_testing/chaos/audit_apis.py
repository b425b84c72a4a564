"""Invariants checked through the citizens' own APIs, with tokens minted for development: every
delivered message in the citizen's Berichtenbox exactly once with a trail that verifies and
records every notification status; every case's current status the latest by effective time,
with each status once in its history; every registration showing its newest version."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx

from mijnoverheid_testing.chaos.audit_answers import of_type
from mijnoverheid_testing.chaos.findings import Findings
from mijnoverheid_testing.chaos.workload import Expectations, StatusKey
from mijnoverheid_testing.notifier import token
from mijnoverheid_testing.trail_chain import chain_is_valid

Event = dict[str, Any]
CONCURRENCY = 6
PAGE = 100
ATTEMPTS = 5  # an answer from a service that is still coming back


class CitizenApi:
    def __init__(self, base_url: str) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=60)
        self._limit = asyncio.Semaphore(CONCURRENCY)

    async def close(self) -> None:
        await self._client.aclose()

    async def get(self, bsn: str, path: str, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {token(bsn)}"}
        async with self._limit:
            for attempt in range(ATTEMPTS):
                try:
                    answer = await self._client.get(path, params=params, headers=headers)
                except httpx.TransportError:
                    if attempt == ATTEMPTS - 1:
                        raise  # the service stayed unreachable: the audit cannot go on
                    await asyncio.sleep(1 + attempt)
                    continue
                if answer.status_code < 500:
                    break
                await asyncio.sleep(1 + attempt)
        answer.raise_for_status()
        return answer.json()

    async def pages(self, bsn: str, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in range(1, 10_000):
            found = await self.get(bsn, path, page=page, page_size=PAGE)
            items += found["items"]
            if len(found["items"]) < PAGE:
                break
        return items


async def _each(items: list[Any], work: Callable[[Any], Awaitable[None]]) -> None:
    await asyncio.gather(*(work(item) for item in items))


async def check_mailboxes(
    api: CitizenApi, events: dict[str, Event], expected: Expectations, out: Findings
) -> None:
    receipts = [
        e
        for e in of_type(events, "message-delivered")
        if e["data"]["sent_event_id"] in expected.messages
    ]
    wanted: dict[str, set[str]] = defaultdict(set)
    sent_event: dict[str, str] = {}
    for receipt in receipts:
        data = receipt["data"]
        wanted[data["recipient_bsn"]].add(data["message_id"])
        sent_event[data["message_id"]] = data["sent_event_id"]
    statuses: dict[str, set[str]] = defaultdict(set)
    for event in of_type(events, "notification-status"):
        if event["data"].get("message_id"):
            statuses[event["data"]["message_id"]].add(event["id"])
    missing: list[str] = []
    extra: list[str] = []
    twice: list[str] = []
    broken: list[str] = []
    incomplete: list[str] = []

    async def mailbox(bsn: str) -> None:
        listed = Counter(item["message_id"] for item in await api.pages(bsn, "/api/v1/messages"))
        missing.extend(sent_event[m] for m in wanted[bsn] - set(listed))
        extra.extend(m for m in set(listed) - wanted[bsn])
        twice.extend(sent_event.get(m, m) for m, count in listed.items() if count > 1)

    async def trail(message: tuple[str, str]) -> None:
        bsn, message_id = message
        export = await api.get(bsn, f"/api/v1/messages/{message_id}/trail")
        causes = [entry["cause"] for entry in export["entries"]]
        if not chain_is_valid(export) or not export["verification"]["valid"]:
            broken.append(sent_event[message_id])
        noted = {c.split(":", 1)[1] for c in causes if c.startswith("notification:")}
        arrival = causes[:2] == ["submitted", "stored"]
        if not arrival or noted != statuses[message_id] or len(causes) != len(set(causes)):
            incomplete.append(sent_event[message_id])

    await _each(list(wanted), mailbox)
    await _each([(bsn, m) for bsn, ids in wanted.items() for m in ids], trail)
    out.figures["messages stored"] = sum(len(ids) for ids in wanted.values())
    out.check("every delivered message stored", "receipted but not in the Berichtenbox", missing)
    out.check("nothing stored unasked", "in a Berichtenbox without a receipt", extra)
    out.check("stored exactly once", "listed more than once", twice)
    out.check("trail chains verify", "a trail whose hash chain does not verify", broken)
    out.check("trails complete", "trail misses arrival or a notification status", incomplete)


def _status(view: dict[str, Any]) -> StatusKey:
    moment = datetime.fromisoformat(view["datum_status_gezet"])
    return (moment, view["statustype_code"], view["is_eindstatus"])


async def check_cases(
    api: CitizenApi,
    expected: Expectations,
    latest: dict[tuple[str, str, str], StatusKey],
    out: Findings,
) -> None:
    citizens: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for case in expected.cases:
        citizens[case[2]].append(case)
    lost: list[str] = []
    stale: list[str] = []
    history_wrong: list[str] = []

    async def cases_of(bsn: str) -> None:
        shown = {
            (i["organisation_oin"], i["identificatie"]): i
            for i in await api.pages(bsn, "/api/v1/cases")
        }
        for case in citizens[bsn]:
            ids = list(expected.cases[case])
            item = shown.get(case[:2])
            if item is None:
                lost.extend(ids)
                continue
            if _status(item["current_status"]) != latest[case]:
                stale.extend(ids)
            detail = await api.get(bsn, f"/api/v1/cases/{item['case_id']}")
            history = [_status(view) for view in detail["history"]]
            if len(history) != len(set(history)) or set(history) != set(
                expected.cases[case].values()
            ):
                history_wrong.extend(ids)

    await _each(list(citizens), cases_of)
    out.figures["cases"] = len(expected.cases)
    out.check("every case shown", "a case with accepted statuses is missing", lost)
    out.check("current = latest by effective time", "another status is current", stale)
    out.check(
        "each status once in the history", "history differs from what was sent", history_wrong
    )


async def check_registrations(api: CitizenApi, expected: Expectations, out: Findings) -> None:
    citizens: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    for registration in expected.registrations:
        citizens[registration[3]].append(registration)
    lost: list[str] = []
    stale: list[str] = []

    async def registrations_of(bsn: str) -> None:
        overview = await api.get(bsn, "/api/v1/registrations")
        shown = {
            (org["oin"], register["code"], item["registration_key"]): item["valid_from"]
            for org in overview["organisations"]
            for register in org["registers"]
            for item in register["registrations"]
        }
        for registration in citizens[bsn]:
            versions = expected.registrations[registration]
            valid_from = shown.get(registration[:3])
            if valid_from is None:
                lost.extend(versions)
            elif datetime.fromisoformat(valid_from) != max(versions.values()):
                stale.extend(versions)

    await _each(list(citizens), registrations_of)
    out.figures["registrations"] = len(expected.registrations)
    out.check("every registration shown", "a registration is missing", lost)
    out.check("newest version wins", "another version than the newest is shown", stale)
