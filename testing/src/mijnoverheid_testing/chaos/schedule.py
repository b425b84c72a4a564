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
NODE_KILL = "node kill -9"  # one node of the cluster
ROLLING_RESTART = "rolling node restart"  # the cluster's broker restart
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
    NODE_KILL,
    ROLLING_RESTART,
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
# The faults that take a node of a cluster down: the runner carries them out one at a time.
NODE_FAULTS = (NODE_KILL, ROLLING_RESTART)
CLUSTER_ONLY = NODE_FAULTS
SINGLE_NODE_ONLY = (BROKER_RESTART,)


def kinds(cluster: int) -> set[str]:
    """The kinds of fault the full schedule holds on one node (1) or a cluster (3)."""
    left_out = SINGLE_NODE_ONLY if cluster > 1 else CLUSTER_ONLY
    return set(KINDS) - set(left_out)


@dataclass(frozen=True)
class Fault:
    at: float  # share of the events published when it starts (0: before the first)
    kind: str
    target: str = ""  # a service, a proxy, a failpoint, a queue or a node (1-3)
    seconds: float = 0.0  # how long it lasts
    amount: float = 0.0  # latency in seconds, mails to drop, queue length, downtime

    def describe(self) -> str:
        details = {
            KILL: f"{self.target}, down {self.amount:.1f} s",
            FAILPOINT: f"{self.target} (restart armed, dies at the failpoint)",
            BROKER_RESTART: "SIGKILL of the node, then boot",
            NODE_KILL: f"node {self.target}: SIGKILL, down {self.amount:.0f} s, then boot",
            ROLLING_RESTART: "each node in turn stopped and booted, once not quorum-critical",
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


def full(seed: int, *, refused: int, bouncing: int, cluster: int = 1) -> list[Fault]:
    """Every kind of fault, several kills of each service, for `make chaos`; on a cluster of
    three (`cluster=3`) the broker restart is a rolling restart, and two nodes are killed
    (`make chaos CLUSTER=3`)."""
    rng = random.Random(seed * 7919 + 1)
    faults = [Fault(0.0, SMTP_5XX, amount=refused), Fault(0.0, SMTP_DSN, amount=bouncing)]
    for service in SERVICES:
        faults += [
            Fault(rng.uniform(0.03, 0.97), KILL, service, amount=rng.uniform(0.2, 3.0))
            for _ in range(3)
        ]
    faults += [Fault(rng.uniform(0.05, 0.9), FAILPOINT, point) for point in FAILPOINTS]
    restart = Fault(rng.uniform(0.3, 0.5), BROKER_RESTART)
    faults.append(restart if cluster == 1 else Fault(restart.at, ROLLING_RESTART))
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
    if cluster > 1:
        faults += node_kills(seed, cluster)
    return sorted(faults, key=lambda fault: fault.at)


def node_kills(seed: int, size: int) -> list[Fault]:
    """Two nodes killed, one before the rolling restart (0.3-0.5) and another one after it,
    each down for a while. From a generator of their own: the other faults stay where the
    same seed puts them on one node."""
    rng = random.Random(seed * 7919 + 3)
    first, second = rng.sample(range(1, size + 1), 2)
    return [
        Fault(rng.uniform(0.05, 0.2), NODE_KILL, str(first), amount=rng.uniform(5.0, 20.0)),
        Fault(rng.uniform(0.6, 0.85), NODE_KILL, str(second), amount=rng.uniform(5.0, 20.0)),
    ]


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
