"""One chaos run from start to verdict: infrastructure, relay, services, citizens, traffic under
the fault schedule, drain, audit, report."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid_testing.chaos import report, schedule
from mijnoverheid_testing.chaos.audit import audit, settle
from mijnoverheid_testing.chaos.audit_broker import describe_broker
from mijnoverheid_testing.chaos.faults import FaultRunner
from mijnoverheid_testing.chaos.infra import (
    Infrastructure,
    own_cluster_infrastructure,
    own_infrastructure,
    shared_infrastructure,
)
from mijnoverheid_testing.chaos.organisations import Answers, OrganisationLink
from mijnoverheid_testing.chaos.relay import ChaosRelay
from mijnoverheid_testing.chaos.setup import enrol, verify_addresses
from mijnoverheid_testing.chaos.system import System
from mijnoverheid_testing.chaos.traffic import Traffic, bar, show_progress
from mijnoverheid_testing.chaos.workload import Workload, generate, publishers
from mijnoverheid_testing.stack import demo_registry


@dataclass(frozen=True)
class Options:
    n: int
    seed: int
    profile: str  # "full" (every fault kind) or "short" (the run inside make test)
    shared: bool  # the shared stack instead of a broker and database of the run's own
    rate: float  # events published per second
    work_dir: Path
    drain_timeout: float
    command: str
    cluster: int = 1  # broker nodes: 1, or a cluster of 3 (of the run's own)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@contextlib.asynccontextmanager
async def infrastructure(
    options: Options, registry: OrganisationRegistry
) -> AsyncIterator[Infrastructure]:
    if options.shared:
        with shared_infrastructure(options.work_dir, registry) as infra:
            yield infra
    elif options.cluster > 1:
        async with own_cluster_infrastructure(options.work_dir, registry) as infra:
            yield infra
    else:
        async with own_infrastructure(options.work_dir, registry) as infra:
            yield infra


def faults_for(options: Options, workload: Workload) -> list[schedule.Fault]:
    refused = sum(1 for c in workload.citizens if c.refused)
    bouncing = sum(1 for c in workload.citizens if c.bouncing)
    if options.profile == "full":
        return schedule.full(
            options.seed, refused=refused, bouncing=bouncing, cluster=options.cluster
        )
    return schedule.short(options.seed, refused=refused, bouncing=bouncing)


async def execute(options: Options) -> report.Run:
    registry = demo_registry()
    workload = generate(registry, options.n, options.seed)
    faults = faults_for(options, workload)
    log(f"chaos run: N = {options.n}, seed {options.seed}, {len(workload.citizens)} citizens, ")
    log(f"{len(workload.plan)} publishes at {options.rate:.0f}/s; logs in {options.work_dir}")
    log("fault schedule:\n" + "\n".join(f"  {fault.describe()}" for fault in faults))
    options.work_dir.mkdir(parents=True, exist_ok=True)
    async with infrastructure(options, registry) as infra:
        with ChaosRelay(options.seed) as relay:
            relay.refused = {c.email for c in workload.citizens if c.refused and c.email}
            relay.bouncing = {c.email for c in workload.citizens if c.bouncing and c.email}
            troubled = {f.target for f in faults if f.kind in (schedule.LATENCY, schedule.CUT)}
            system = System(infra, relay, infra.logs, troubled)
            answers = Answers()
            links = {  # to a cluster, each organisation starts on another node
                user: OrganisationLink(infra.stack, infra.vhost, organisation, answers, index)
                for index, (user, organisation) in enumerate(publishers(registry).items())
            }
            try:
                return await _under_faults(
                    options, registry, system, relay, answers, links, workload, faults
                )
            finally:
                for link in links.values():
                    with contextlib.suppress(Exception):
                        await link.close()
                await system.stop()


def _keep_evidence(work_dir: Path, answers: Answers, relay: ChaosRelay, system: System) -> None:
    """What the auditor saw, for whoever investigates a broken invariant."""
    with (work_dir / "answers.jsonl").open("w") as file:
        for event in answers.events.values():
            file.write(json.dumps({**event, "_copies": answers.copies[event["id"]]}) + "\n")
    with (work_dir / "mails.jsonl").open("w") as file:
        for mail in relay.mails:
            file.write(json.dumps(dataclasses.asdict(mail)) + "\n")
    deaths = [dataclasses.asdict(death) for death in system.deaths]
    (work_dir / "deaths.json").write_text(json.dumps(deaths, indent=1))


async def _under_faults(
    options: Options,
    registry: OrganisationRegistry,
    system: System,
    relay: ChaosRelay,
    answers: Answers,
    links: dict[str, OrganisationLink],
    workload: Workload,
    faults: list[schedule.Fault],
) -> report.Run:
    log("starting the services")
    await system.start()
    for link in links.values():
        await link.open()
    log("citizens: accounts, digital consent, verified addresses")
    infra = system.infra
    await enrol(infra.stack, infra.vhost, list(links.values()), answers, workload.citizens)
    await verify_addresses(system.base_url("notifier"), relay, workload.citizens)
    traffic = Traffic(links, workload.plan, options.rate)
    runner = FaultRunner(system, relay, traffic.progress)
    stop = asyncio.Event()

    def line() -> str:
        active = ", ".join(sorted(runner.active)) or "-"
        return (
            f"{bar(traffic.progress())} published {traffic.confirmed}/{len(workload.plan)}"
            f" | answers {len(answers.events)} | mails {len(relay.mails)}"
            f" | faults {len(runner.log)}/{len(faults)} (now: {active})"
        )

    progress = asyncio.create_task(show_progress(line, stop))
    await asyncio.gather(traffic.run(), runner.run(faults))
    published = time.monotonic()
    log("\npublished; waiting for the system to drain")
    try:
        await settle(system, relay, answers, options.drain_timeout)
    except AssertionError as error:  # audit anyway: the auditor names what is stuck
        log(f"not drained: {error}")
    drained = time.monotonic()
    stop.set()
    await progress
    log("drained; auditing")
    findings = await audit(system, relay, answers, workload, registry)
    _keep_evidence(options.work_dir, answers, relay, system)
    try:
        broker = await asyncio.to_thread(describe_broker, infra.stack, infra.vhost)
    except Exception as error:  # the figures stand without it
        broker = f"not described ({type(error).__name__}: {error})"
    return report.Run(
        command=options.command,
        n=options.n,
        seed=options.seed,
        schedule=faults,
        injected=sorted(runner.log, key=lambda i: i.started),
        published=workload.distinct,
        republished=len(workload.plan) - workload.distinct,
        publish_retries=traffic.retries,
        publish_seconds=traffic.finished - traffic.started,
        drain_seconds=drained - published,
        audit_seconds=time.monotonic() - drained,
        findings=findings,
        deaths=list(system.deaths),
        broker=broker,
        cluster=options.cluster,
    )
