"""The auditor: waits, with a bound, until the system has drained, then checks every invariant
from outside (the organisations' queues, the citizens' APIs, the broker, the mail log)."""

from __future__ import annotations

import asyncio
import time

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid_testing.chaos.audit_answers import (
    check_announcements,
    check_message_answers,
    check_other_answers,
    check_registration_announcements,
)
from mijnoverheid_testing.chaos.audit_apis import (
    CitizenApi,
    check_cases,
    check_mailboxes,
    check_registrations,
)
from mijnoverheid_testing.chaos.audit_broker import check_broker, queues
from mijnoverheid_testing.chaos.audit_mails import check_deaths, check_mails, check_notifications
from mijnoverheid_testing.chaos.findings import Findings
from mijnoverheid_testing.chaos.organisations import Answers
from mijnoverheid_testing.chaos.relay import ChaosRelay
from mijnoverheid_testing.chaos.system import System
from mijnoverheid_testing.chaos.workload import Workload
from mijnoverheid_testing.drained import busy_queues, drained
from mijnoverheid_testing.waiting import wait_until

ANSWERS_QUIET_SECONDS = 3.0


async def settle(system: System, relay: ChaosRelay, answers: Answers, timeout: float) -> None:
    """Every work queue empty with nothing unacknowledged (for longer than the broker's
    statistics lag), every delivery report delivered, every answer consumed: then the
    system is done with what it was given."""
    deadline = time.monotonic() + timeout
    for service in system.services.values():
        await service.ensure_running()
    stack, vhost = system.infra.stack, system.infra.vhost

    def org_queues_empty() -> bool:
        held = [
            q
            for q in queues(stack, vhost)
            if q["name"].startswith("org.")
            and (q.get("messages") or q.get("messages_unacknowledged"))
        ]
        quiet = time.monotonic() - answers.last_arrival >= ANSWERS_QUIET_SECONDS
        return not held and quiet

    while True:
        remaining = max(1.0, deadline - time.monotonic())
        await drained(stack, vhost, timeout=remaining)
        await wait_until(
            lambda: relay.reports_pending == 0,
            timeout=max(1.0, deadline - time.monotonic()),
            what="the relay's delivery reports to be taken",
        )
        await wait_until(
            lambda: asyncio.to_thread(org_queues_empty),
            timeout=max(1.0, deadline - time.monotonic()),
            what="the organisations to have every answer",
        )
        # A report or an answer may have set off more work: only a quiet pass counts.
        if relay.reports_pending == 0 and not await asyncio.to_thread(_busy, system):
            return


def _busy(system: System) -> bool:
    return bool(busy_queues(queues(system.infra.stack, system.infra.vhost)))


async def audit(
    system: System,
    relay: ChaosRelay,
    answers: Answers,
    workload: Workload,
    registry: OrganisationRegistry,
) -> Findings:
    out = Findings()
    events, expected = answers.events, workload.expected
    out.figures["answers redelivered"] = answers.redelivered
    check_message_answers(events, expected, out)
    check_other_answers(events, expected, out)
    latest = check_announcements(events, expected, out)
    notify = {(o.oin, r) for o in registry.organisations for r in o.notify_registers}
    check_registration_announcements(events, expected, notify, out)
    history = check_notifications(events, out)
    check_mails(events, history, relay.mails, system.deaths, workload.citizens, out)
    check_deaths(system.deaths, out)
    await check_broker(system.infra.stack, system.infra.vhost, expected.poison, out)
    apis = {
        name: CitizenApi(system.base_url(name)) for name in ("berichtenbox", "zaken", "gegevens")
    }
    try:
        await check_mailboxes(apis["berichtenbox"], events, expected, out)
        await check_cases(apis["zaken"], expected, latest, out)
        await check_registrations(apis["gegevens"], expected, out)
    finally:
        for api in apis.values():
            await api.close()
    return out
