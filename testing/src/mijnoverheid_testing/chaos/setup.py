"""Before the faults: citizens with an activated account and digital consent (announced as the
portal does, confirmed by asking the Berichtenbox as an organisation would) and, for most of
them, an e-mail address confirmed through the real double opt-in."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid_testing.accounts import account_activated, consent_changed, publish_as_portal
from mijnoverheid_testing.chaos.organisations import Answers, OrganisationLink
from mijnoverheid_testing.chaos.relay import ChaosRelay
from mijnoverheid_testing.chaos.workload import Citizen
from mijnoverheid_testing.notifier import CODE, token
from mijnoverheid_testing.stack import Stack
from mijnoverheid_testing.waiting import wait_until

BATCH = 100


async def enrol(
    stack: Stack,
    vhost: str,
    links: list[OrganisationLink],
    answers: Answers,
    citizens: list[Citizen],
) -> None:
    active = [citizen for citizen in citizens if citizen.account]
    announcements = [account_activated(citizen.bsn) for citizen in active]
    announcements += [
        consent_changed(citizen.bsn, oin) for citizen in active for oin in sorted(citizen.consents)
    ]
    await publish_as_portal(stack, vhost, announcements)
    for link in links:
        oin = link.organisation.oin
        wanted = {citizen.bsn: citizen.reachable_by(oin) for citizen in citizens}
        bsns = list(wanted)
        for start in range(0, len(bsns), BATCH):
            await wait_until(
                lambda batch=bsns[start : start + BATCH], link=link, wanted=wanted: _known(
                    link, answers, batch, wanted
                ),
                timeout=120,
                what="the Berichtenbox to know every citizen",
            )


async def _known(
    link: OrganisationLink, answers: Answers, bsns: list[str], wanted: dict[str, bool]
) -> bool:
    answer = await _digital_delivery(link, answers, bsns)
    return all(wanted[c["bsn"]] == c["digital"] for c in answer["citizens"])


async def _digital_delivery(
    link: OrganisationLink, answers: Answers, bsns: list[str]
) -> dict[str, Any]:
    request_id = str(uuid.uuid4())
    request = {
        "specversion": "1.0",
        "id": request_id,
        "source": source_for(link.organisation.oin, "chaos"),
        "type": events.DIGITAL_DELIVERY_REQUESTED.type,
        "time": utc_now().isoformat(),
        "data": {"bsns": bsns},
    }
    await link.ask(events.DIGITAL_DELIVERY_REQUESTED, request)

    def answered() -> dict[str, Any] | None:
        for event in answers.of_type("digital-delivery"):
            if event["data"]["request_id"] == request_id:
                return dict(event["data"])
        return None

    found: dict[str, Any] = await wait_until(answered, timeout=60, what="a digital-delivery")
    return found


async def verify_addresses(notifier_url: str, relay: ChaosRelay, citizens: list[Citizen]) -> None:
    """PUT the address, read the code the relay received, confirm it."""
    limit = asyncio.Semaphore(8)

    async def verify(citizen: Citizen) -> None:
        assert citizen.email is not None
        headers = {"Authorization": f"Bearer {token(citizen.bsn)}"}
        async with (
            limit,
            httpx.AsyncClient(base_url=notifier_url, headers=headers, timeout=30) as client,
        ):
            answer = await client.put("/api/v1/contact-details", json={"email": citizen.email})
            answer.raise_for_status()
            email = citizen.email
            code = await wait_until(
                lambda: CODE.search(relay.code_for(email) or ""),
                timeout=60,
                what="the verification mail",
            )
            confirmed = await client.post(
                "/api/v1/contact-details/verification", json={"code": code.group(0)}
            )
            confirmed.raise_for_status()

    await asyncio.gather(*(verify(c) for c in citizens if c.email is not None))
