"""Carrying out the schedule: each fault starts when its share of the events is published and
runs beside the others, except that faults that take a node of a cluster down wait for each
other (never two nodes down at once); what was injected, when, and how it went is logged for
the report (and for the auditor, who needs to know when the Notifier died)."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from mijnoverheid.messaging.topology import SERVICE_QUEUES
from mijnoverheid_testing.chaos import schedule as s
from mijnoverheid_testing.chaos.relay import ChaosRelay
from mijnoverheid_testing.chaos.schedule import Fault
from mijnoverheid_testing.chaos.system import System
from mijnoverheid_testing.waiting import wait_until

FAILPOINT_TIMEOUT_SECONDS = 90.0
FULL_QUEUE_ROOM = 20  # messages a full queue still takes above what it held


@dataclass(frozen=True)
class Injected:
    fault: Fault
    started: float  # time.time()
    ended: float
    injected: bool  # as scheduled (False: it failed, or a failpoint was not reached)
    note: str = ""


class MissedError(Exception):
    """The fault could not be injected as scheduled."""


class FaultRunner:
    def __init__(self, system: System, relay: ChaosRelay, progress: Callable[[], float]) -> None:
        self.system = system
        self.relay = relay
        self.progress = progress
        self.log: list[Injected] = []
        self.active: set[str] = set()
        # Held by a node fault until its node is back with every quorum member online.
        self.one_node_at_a_time = asyncio.Lock()

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
            injected, note = True, await self._carry_out(fault)
        except MissedError as error:
            injected, note = False, str(error)
        except Exception as error:
            injected, note = False, f"failed: {type(error).__name__}: {error}"
        finally:
            self.active.discard(fault.kind)
        self.log.append(Injected(fault, started, time.time(), injected, note))

    async def _carry_out(self, fault: Fault) -> str:
        system, relay = self.system, self.relay
        kind = fault.kind
        if kind == s.KILL:
            await system.services[fault.target].kill9(fault.amount)
        elif kind == s.FAILPOINT:
            service = system.services[fault.target.split(".", 1)[0]]
            if not await service.crash_at(fault.target, FAILPOINT_TIMEOUT_SECONDS):
                raise MissedError("not reached in time: killed instead")
        elif kind == s.BROKER_RESTART:
            assert system.infra.broker is not None, "a broker restart needs the run's own node"
            await system.infra.broker.restart()
        elif kind in s.NODE_FAULTS:
            return await self._node_fault(fault)
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
            return await self._full_queue(fault.target, fault.seconds)
        else:
            raise ValueError(f"unknown fault {kind}")
        return ""

    async def _node_fault(self, fault: Fault) -> str:
        cluster = self.system.infra.cluster
        assert cluster is not None, "a node fault needs the run's own cluster"
        asked = time.monotonic()
        async with self.one_node_at_a_time:
            waited = time.monotonic() - asked
            if fault.kind == s.NODE_KILL:
                note = await cluster.kill(int(fault.target), fault.amount)
            else:
                note = await cluster.rolling_restart()
        if waited >= 1:
            note += f" (after waiting {waited:.0f} s for the node fault before)"
        return note

    async def _slow(self, service: str, seconds: float) -> None:
        """Paused two of every three seconds (never long enough to miss a heartbeat): it keeps
        its deliveries and acknowledges at a third of its speed."""
        process = self.system.services[service].process
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                process.signal(signal.SIGSTOP)
                await asyncio.sleep(2.0)
                process.signal(signal.SIGCONT)
                await asyncio.sleep(1.0)
        finally:
            process.signal(signal.SIGCONT)

    async def _full_queue(self, queue: str, seconds: float) -> str:
        """A policy above the provisioned one: the same settings plus a max-length a little
        above what the queue holds now. Its consumer is slowed at the same time (see the
        schedule), so the queue fills and `reject-publish` refuses (nacks) what does not fit.

        The limit is lifted only after the consumer has drained the queue well below it: a
        quorum queue tells its refused publishers to go on when it drains, but RabbitMQ before
        4.0 never does when the limit is removed from a queue that is already empty
        (rabbitmq-server#12206), and those publishers would stay refused for good."""
        work_queue = next(q for qs in SERVICE_QUEUES.values() for q in qs if q.name == queue)
        vhost = quote(self.system.infra.vhost, safe="")
        path = f"/api/queues/{vhost}/{quote(queue, safe='')}"
        limit = int((await self._management("GET", path, None)).get("messages_ready", 0))
        limit += FULL_QUEUE_ROOM
        name = f"chaos-full-{queue}"
        body = {
            "pattern": f"^{re.escape(queue)}$",
            "apply-to": "queues",
            "priority": 20,
            "definition": {**work_queue.policy(), "max-length": limit},
        }
        await self._management("PUT", f"/api/policies/{vhost}/{name}", body)
        peak, note = 0, ""
        try:
            await wait_until(
                lambda: asyncio.to_thread(self._policy_of, vhost, queue, name),
                timeout=60,
                what="the full-queue policy to apply",
            )
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                held = await self._management("GET", path, None)
                peak = max(peak, int(held.get("messages_ready", 0)))
                await asyncio.sleep(1.0)

            async def drained() -> bool:
                held = await self._management("GET", path, None)
                # Just after a restart or a policy change the statistics may not be there yet.
                return "messages_ready" in held and int(held["messages_ready"]) < limit / 2

            await wait_until(drained, timeout=300, what=f"{queue} to drain below its limit")
        except AssertionError as error:
            note = f"; lifted before it drained ({error})"
        finally:
            await self._management("DELETE", f"/api/policies/{vhost}/{name}", None)
        full = "full: publishes refused" if peak >= limit else "never full"
        return f"limit {limit}, up to {peak} ready ({full}){note}"

    def _policy_of(self, vhost: str, queue: str, name: str) -> bool:
        try:  # a node of a cluster may be going down right now: ask again
            with self.system.infra.stack.management() as client:
                answer = client.get(f"/api/queues/{vhost}/{quote(queue, safe='')}")
        except Exception:
            return False
        return answer.is_success and answer.json().get("policy") == name

    async def _management(self, method: str, path: str, body: object) -> dict[str, Any]:
        """Through a broker restart too: try again until the management API has done it."""

        def call() -> dict[str, Any] | None:
            try:
                with self.system.infra.stack.management() as client:
                    answer = client.request(method, path, json=body)
            except Exception:
                return None
            if answer.is_success or (method == "DELETE" and answer.status_code == 404):
                return answer.json() if method == "GET" else {"done": method}
            return None

        async def done() -> dict[str, Any] | None:
            return await asyncio.to_thread(call)

        found: dict[str, Any] = await wait_until(
            done, timeout=300, what=f"the management API to {method} {path}"
        )
        return found
