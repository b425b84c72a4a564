"""The table people can quote: faults injected, events published/answered/lost/duplicated,
mails, time to drain; printed, and written (with the command that produced it) to a file."""

from __future__ import annotations

import json
import platform
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mijnoverheid_testing.chaos.faults import Injected
from mijnoverheid_testing.chaos.findings import Findings
from mijnoverheid_testing.chaos.schedule import KINDS, NODE_FAULTS, Fault
from mijnoverheid_testing.chaos.system import Death

# Broken invariants whose ids are effects that went missing, and those that happened twice.
LOST = (
    "every message-sent answered",
    "every bad event rejected",
    "every delivered message stored",
    "every case shown",
    "every registration shown",
    "the current status announced",
    "the shown version announced",
    "every trigger notified",
    "a mail for every sent notification",
    "nothing good dead-lettered",
    "nothing unrouted",
)
DUPLICATED = (
    "exactly one answer",
    "exactly one rejection",
    "stored exactly once",
    "each status announced once",
    "each version announced once",
    "one notification per trigger",
    "no duplicate mails",
)


@dataclass
class Run:
    command: str
    n: int
    seed: int
    schedule: list[Fault]
    injected: list[Injected]
    published: int  # distinct events (poison included)
    republished: int  # the same event again (same id)
    publish_retries: int
    publish_seconds: float
    drain_seconds: float
    audit_seconds: float
    findings: Findings
    deaths: list[Death] = field(default_factory=list)
    broker: str = "one RabbitMQ node"  # which broker it ran on (see audit_broker)
    cluster: int = 1  # nodes of the broker the run started


def _count(findings: Findings, names: tuple[str, ...]) -> int:
    return sum(len(f.ids) for f in findings.broken if f.invariant in names)


def table(run: Run) -> str:
    figures, findings = run.findings.figures, run.findings
    kinds = Counter(i.fault.kind for i in run.injected if i.injected)
    missed = Counter(i.fault.kind for i in run.injected if not i.injected)
    lines = ["| fault | injected | note |", "|---|---:|---|"]
    for kind in KINDS:
        if kinds[kind] or missed[kind]:
            notes = [f"{missed[kind]} otherwise (see the log)"] if missed[kind] else []
            if kind in NODE_FAULTS:  # which nodes, and how long until each was back
                notes += [i.note for i in run.injected if i.fault.kind == kind and i.note]
            lines.append(f"| {kind} | {kinds[kind]} | {'; '.join(notes)} |")
    rows = [
        ("events published (distinct ids)", run.published),
        ("published again with the same id (duplicates)", run.republished),
        ("publishes repeated after a nack or a lost connection", run.publish_retries),
        ("message-sent answered (receipt or rejection)", figures["message-sent answered"]),
        ("  of which delivered", figures["message-sent delivered"]),
        ("  of which rejected", figures["message-sent rejected"]),
        ("zaken/gegevens events rejected as promised", figures["zaken/gegevens rejected"]),
        ("case statuses announced", figures["case statuses announced"]),
        ("registration versions announced", figures["registrations announced"]),
        ("poison bodies dead-lettered (expected)", figures["dead letters (poison, expected)"]),
        ("**lost**", _count(findings, LOST)),
        ("**duplicated**", _count(findings, DUPLICATED)),
        ("answers that arrived twice (same id, deduplicated)", figures["answers redelivered"]),
        ("notifications", figures["notifications"]),
        ("mails sent (accepted by the relay)", figures["mails accepted by the relay"]),
        (
            "mails duplicated in the documented window (250, then killed before saving)",
            figures["mails in the documented window (250, then killed before saving)"],
        ),
        ("**mails duplicated otherwise**", figures["mails duplicated outside that window"]),
        ("publishing took (s)", f"{run.publish_seconds:.0f}"),
        ("time to drain after the last publish (s)", f"{run.drain_seconds:.0f}"),
        ("audit took (s)", f"{run.audit_seconds:.0f}"),
    ]
    lines += ["", "| events and mails | count |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    finals = sorted(k for k in figures if k.startswith("notifications ending "))
    if finals:
        lines += ["", "| notifications ending | count |", "|---|---:|"]
        lines += [f"| {k.removeprefix('notifications ending ')} | {figures[k]} |" for k in finals]
    return "\n".join(lines)


def verdict(run: Run) -> str:
    if run.findings.passed:
        return f"All {len(run.findings.checked)} invariants held."
    return "\n".join(finding.line() for finding in run.findings.broken)


def invariants(run: Run) -> str:
    broken = {finding.invariant: finding for finding in run.findings.broken}
    lines = []
    for invariant in run.findings.checked:
        finding = broken.get(invariant)
        outcome = "held" if finding is None else f"**broken** ({len(finding.ids)} ids)"
        lines.append(f"- {invariant}: {outcome}")
    return "\n".join(lines)


def _intro(run: Run) -> tuple[str, str, str]:
    """The title, the broker the platform had, and where the other variant's table is."""
    if run.cluster > 1:
        return (
            "the chaos run on a three-node RabbitMQ cluster",
            "a three-node RabbitMQ cluster",
            " Every service and organisation was given all three nodes (each starting on"
            " another one). A node fault ends once its node is back with every quorum queue's"
            " member there online, and the next one waits for it: never two nodes down at"
            " once. On one node: [reliability.md](reliability.md).",
        )
    return (
        "the chaos run",
        "a broker node",
        " The same on a three-node RabbitMQ cluster, with node kills and a rolling restart:"
        " [reliability-cluster.md](reliability-cluster.md) (`make chaos CLUSTER=3`).",
    )


def markdown(run: Run) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    schedule = "\n".join(fault.describe() for fault in run.schedule)
    title, broker, other = _intro(run)
    return f"""# Reliability: {title}

The whole platform (the Berichtenbox, Zaken, Gegevens and the Notifier as real processes, with
{broker}, a FerretDB and an SMTP relay of the run's own) under a seeded schedule of
faults, then audited from outside: through the organisations' queues, the citizens' APIs, the
broker and the relay's mail log only. How it works and how to read it:
`testing/src/mijnoverheid_testing/chaos/` and [operations.md](operations.md) § 7.{other}

Produced by `{run.command}` on {when} ({platform.node()}, {platform.machine()}), N = {run.n},
seed {run.seed}. Broker: {run.broker}.

{table(run)}

Outcome: {verdict(run)}

Invariants checked (from outside: the organisations' queues, the citizens' APIs with tokens
minted for development, the broker's management API and the relay's mail log):

{invariants(run)}

Schedule (share of the events published when each fault started):

```
{schedule}
```
"""


def write(run: Run, path: Path, details: Path) -> None:
    path.write_text(markdown(run), encoding="utf-8")
    broken = [
        {"invariant": f.invariant, "detail": f.detail, "ids": list(f.ids)}
        for f in run.findings.broken
    ]
    injected = [
        {
            "kind": i.fault.kind,
            "target": i.fault.target,
            "at": i.fault.at,
            "started": i.started,
            "ended": i.ended,
            "injected": i.injected,
            "note": i.note,
        }
        for i in run.injected
    ]
    details.write_text(
        json.dumps(
            {
                "broken": broken,
                "injected": injected,
                "figures": dict(run.findings.figures),
                "notes": run.findings.notes,
                "broker": run.broker,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
