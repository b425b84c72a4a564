"""The fault schedule: which faults, where and when, drawn from the seed alone, so the same seed
gives the same schedule (printed before the run). A fault starts when its share of the events
has been published, so it lands in the same place of the traffic however fast the machine is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from mijnoverheid_testing.chaos.system import FAILPOINTS, SERVICES

KILL = "kill -9"
FAILPOINT = "failpoint"
BROKER_RESTART = "broker restart"
DATABASE_RESTART = "database restart"
SMTP_4XX = "smtp 4xx burst"
SMTP_5XX = "smtp 5xx for recipients"
SMTP_DROP = "smtp drop mid-DATA"
SMTP_STALL = "smtp stall"
SMTP_DSN = "smtp DSN later"
LATENCY = "network latency"
CUT = "network cut"
SLOW_CONSUMER = "slow consumer"
FULL_QUEUE = "full queue"
KINDS = (
    KILL,
    FAILPOINT,
    BROKER_RESTART,
    DATABASE_RESTART,
    SMTP_4XX,
    SMTP_5XX,
    SMTP_DROP,
    SMTP_STALL,
    SMTP_DSN,
    LATENCY,
    CUT,
    SLOW_CONSUMER,
    FULL_QUEUE,
)


@dataclass(frozen=True)
class Fault:
    at: float  # share of the events published when it starts (0: before the first)
    kind: str
    target: str = ""  # a service, a proxy, a failpoint or a queue
    seconds: float = 0.0  # how long it lasts
    amount: float = 0.0  # latency in seconds, mails to drop, queue length, downtime

    def describe(self) -> str:
        details = {
            KILL: f"{self.target}, down {self.amount:.1f} s",
            FAILPOINT: f"{self.target} (restart armed, dies at the failpoint)",
            BROKER_RESTART: "SIGKILL of the node, then boot",
            DATABASE_RESTART: "SIGKILL of FerretDB, then start",
            SMTP_4XX: f"every DATA answered 451 for {self.seconds:.0f} s",
            SMTP_5XX: f"RCPT refused with 550 for {self.amount:.0f} addresses, whole run",
            SMTP_DROP: f"connection closed after the next {self.amount:.0f} DATA, no reply",
            SMTP_STALL: f"no answer to MAIL FROM for {self.seconds:.0f} s",
            SMTP_DSN: f"reports 0.5-5 s after acceptance, {self.amount:.0f} addresses bounce",
            LATENCY: f"{self.target}: +{self.amount * 1000:.0f} ms for {self.seconds:.0f} s",
            CUT: f"{self.target}: nothing passes for {self.seconds:.0f} s",
            SLOW_CONSUMER: f"{self.target} paused 2 s of every 3 for {self.seconds:.0f} s",
            FULL_QUEUE: f"{self.target} max-length its length + 20 for {self.seconds:.0f} s",
        }[self.kind]
        return f"{self.at:6.1%}  {self.kind:<24} {details}"


def full(seed: int, *, refused: int, bouncing: int) -> list[Fault]:
    """Every kind of fault, several kills of each service, for `make chaos`."""
    rng = random.Random(seed * 7919 + 1)
    faults = [Fault(0.0, SMTP_5XX, amount=refused), Fault(0.0, SMTP_DSN, amount=bouncing)]
    for service in SERVICES:
        faults += [
            Fault(rng.uniform(0.03, 0.97), KILL, service, amount=rng.uniform(0.2, 3.0))
            for _ in range(3)
        ]
    faults += [Fault(rng.uniform(0.05, 0.9), FAILPOINT, point) for point in FAILPOINTS]
    faults.append(Fault(rng.uniform(0.3, 0.5), BROKER_RESTART))
    faults.append(Fault(rng.uniform(0.6, 0.8), DATABASE_RESTART))
    faults += [Fault(rng.uniform(0.05, 0.95), SMTP_4XX, seconds=8) for _ in range(2)]
    faults += [Fault(rng.uniform(0.05, 0.95), SMTP_DROP, amount=5) for _ in range(2)]
    faults.append(Fault(rng.uniform(0.1, 0.9), SMTP_STALL, seconds=12))
    links = [f"{service}-{end}" for service in SERVICES for end in ("broker", "database")]
    faults += [
        Fault(rng.uniform(0.05, 0.9), LATENCY, rng.choice(links), seconds=15, amount=0.2)
        for _ in range(2)
    ]
    faults.append(Fault(rng.uniform(0.1, 0.9), CUT, f"{rng.choice(SERVICES)}-broker", seconds=25))
    faults.append(Fault(rng.uniform(0.1, 0.9), CUT, f"{rng.choice(SERVICES)}-database", seconds=25))
    # The Berichtenbox slowed down: its two inbound queues fill up, and the reject-publish
    # overflow pushes back on the organisations (message-sent) and on the Notifier (statuses).
    slow = rng.uniform(0.2, 0.8)
    faults.append(Fault(slow, SLOW_CONSUMER, "berichtenbox", seconds=30))
    for queue in ("berichtenbox.message-sent", "berichtenbox.notification-status"):
        faults.append(Fault(slow + 0.002, FULL_QUEUE, queue, seconds=25))
    return sorted(faults, key=lambda fault: fault.at)


def short(seed: int, *, refused: int, bouncing: int) -> list[Fault]:
    """A few faults for the run inside `make test`: a kill -9 of the Berichtenbox and of the
    Notifier, a failpoint, and SMTP trouble, on the shared stack (no broker or database
    restart: other people use it)."""
    rng = random.Random(seed * 7919 + 1)
    faults = [
        Fault(0.0, SMTP_5XX, amount=refused),
        Fault(0.0, SMTP_DSN, amount=bouncing),
        Fault(rng.uniform(0.2, 0.4), KILL, "berichtenbox", amount=rng.uniform(0.2, 1.0)),
        Fault(rng.uniform(0.5, 0.7), KILL, "notifier", amount=rng.uniform(0.2, 1.0)),
        Fault(rng.uniform(0.1, 0.3), FAILPOINT, "notifier.after-store"),
        Fault(rng.uniform(0.3, 0.6), SMTP_4XX, seconds=4),
        Fault(rng.uniform(0.3, 0.8), SMTP_DROP, amount=3),
    ]
    return sorted(faults, key=lambda fault: fault.at)
