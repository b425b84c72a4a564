"""Carrying out the schedule: each fault starts when its share of the events is published and
runs beside the others; what was injected, when, and how it went is logged for the report
(and for the auditor, who needs to know when the Notifier died)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from mijnoverheid.messaging.topology import SERVICE_QUEUES
from mijnoverheid_testing.chaos import schedule as s
from mijnoverheid_testing.chaos.relay import ChaosRelay
from mijnoverheid_testing.chaos.schedule import Fault
from mijnoverheid_testing.chaos.system import System
from mijnoverheid_testing.waiting import wait_until

FAILPOINT_TIMEOUT_SECONDS = 90.0


@dataclass(frozen=True)
class Injected:
    fault: Fault
    started: float  # time.time()
    ended: float
    outcome: str  # "injected", or what went otherwise


class FaultRunner:
    def __init__(self, system: System, relay: ChaosRelay, progress: Callable[[], float]) -> None:
        self.system = system
        self.relay = relay
        self.progress = progress
        self.log: list[Injected] = []
        self.active: set[str] = set()

    async def run(self, faults: list[Fault]) -> None:
        tasks = []
        for fault in faults:
            await wait_until(
                lambda fault=fault: self.progress() >= fault.at,
                timeout=24 * 3600,
                what="the traffic to reach the fault",
            )
            tasks.append(asyncio.create_task(self._inject(fault)))
        await asyncio.gather(*tasks)

    async def _inject(self, fault: Fault) -> None:
        started = time.time()
        self.active.add(fault.kind)
        try:
            outcome = await self._carry_out(fault)
        except Exception as error:
            outcome = f"failed: {type(error).__name__}: {error}"
        finally:
            self.active.discard(fault.kind)
        self.log.append(Injected(fault, started, time.time(), outcome))

    async def _carry_out(self, fault: Fault) -> str:
        system, relay = self.system, self.relay
        kind = fault.kind
        if kind == s.KILL:
            await system.services[fault.target].kill9(fault.amount)
        elif kind == s.FAILPOINT:
            service = system.services[fault.target.split(".", 1)[0]]
            if not await service.crash_at(fault.target, FAILPOINT_TIMEOUT_SECONDS):
                return "not reached in time: killed instead"
        elif kind == s.BROKER_RESTART:
            assert system.infra.broker is not None, "a broker restart needs the run's own node"
            await system.infra.broker.restart()
        elif kind == s.DATABASE_RESTART:
            assert system.infra.database is not None, "a restart needs the run's own FerretDB"
            await system.infra.database.restart()
        elif kind == s.SMTP_4XX:
            relay.defer_for(fault.seconds)
            await asyncio.sleep(fault.seconds)
        elif kind == s.SMTP_5XX:
            relay.refusing = True
        elif kind == s.SMTP_DROP:
            relay.drop_next(int(fault.amount))
        elif kind == s.SMTP_STALL:
            relay.stall_for(fault.seconds)
            await asyncio.sleep(fault.seconds)
        elif kind == s.SMTP_DSN:
            pass  # standing: the relay reports every accepted mail later, bounces some
        elif kind == s.LATENCY:
            proxy = system.proxies[fault.target]
            proxy.latency = fault.amount
            await asyncio.sleep(fault.seconds)
            proxy.latency = 0.0
        elif kind == s.CUT:
            proxy = system.proxies[fault.target]
            proxy.cut_off()
            await asyncio.sleep(fault.seconds)
            proxy.heal()
        elif kind == s.SLOW_CONSUMER:
            await self._slow(fault.target, fault.seconds)
        elif kind == s.FULL_QUEUE:
            await self._full_queue(fault.target, int(fault.amount), fault.seconds)
        else:
            raise ValueError(f"unknown fault {kind}")
        return "injected"

    async def _slow(self, service: str, seconds: float) -> None:
        """Paused half of every second: it keeps its deliveries, acknowledges at half speed."""
        process = self.system.services[service].process
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                process.signal(signal.SIGSTOP)
                await asyncio.sleep(0.5)
                process.signal(signal.SIGCONT)
                await asyncio.sleep(0.5)
        finally:
            process.signal(signal.SIGCONT)

    async def _full_queue(self, queue: str, length: int, seconds: float) -> None:
        """A policy above the provisioned one: the same settings plus a max-length, so the
        queue's `reject-publish` overflow refuses (nacks) what does not fit."""
        work_queue = next(q for qs in SERVICE_QUEUES.values() for q in qs if q.name == queue)
        vhost = quote(self.system.infra.vhost, safe="")
        path = f"/api/policies/{vhost}/chaos-full-{queue}"
        body = {
            "pattern": f"^{queue}$",
            "apply-to": "queues",
            "priority": 20,
            "definition": {**work_queue.policy(), "max-length": length},
        }
        await self._management("PUT", path, body)
        try:
            await asyncio.sleep(seconds)
        finally:
            await self._management("DELETE", path, None)

    async def _management(self, method: str, path: str, body: object) -> None:
        """Through a broker restart too: try again until the management API has done it."""

        def call() -> bool:
            try:
                with self.system.infra.stack.management() as client:
                    answer = client.request(method, path, json=body)
            except Exception:
                return False
            return answer.is_success or (method == "DELETE" and answer.status_code == 404)

        async def done() -> bool:
            return await asyncio.to_thread(call)

        await wait_until(done, timeout=300, what=f"the management API to {method} {path}")
