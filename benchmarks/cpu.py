"""Where the time goes: CPU seconds each part of the system used during a run, from /proc.

The parts: the services under test (their pids), the document store (the FerretDB listening
on MONGODB_URL's port and, when it runs on PostgreSQL, that cluster's processes), the broker
(beam.smp: on a shared machine the node may serve others too) and the load generator (this
process). On two cores, their sum against 2 × the wall time says how busy the machine was.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime + stime, and cutime + cstime: the children it has reaped. A PostgreSQL backend
    # that ends during the run moves its time from itself to the postmaster's children, so
    # the part's sum neither loses it (it went negative) nor counts it twice.
    return sum(int(value) for value in fields[11:15]) / _TICKS


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def store_pids(mongodb_url: str) -> dict[str, list[int]]:
    """The FerretDB serving `mongodb_url`, and the PostgreSQL cluster behind it if any."""
    port = urlsplit(mongodb_url).port or 27017
    ferretdb = [p for p in _pids() if re.search(rf"ferretdb .*--listen \S*:{port}\b", _command(p))]
    found: dict[str, list[int]] = {"ferretdb": ferretdb}
    postgres_url = next(
        (m.group(1) for p in ferretdb if (m := re.search(r"--postgresql-url (\S+)", _command(p)))),
        None,
    )
    if postgres_url:
        pg_port = urlsplit(postgres_url).port or 5432
        masters = [p for p in _pids() if re.search(rf"postgres .*-p {pg_port}\b", _command(p))]
        found["postgresql"] = masters + [p for p in _pids() if _parent(p) in masters]
    return found


@dataclass
class CpuMeter:
    """CPU seconds per part between start() and stop()."""

    parts: dict[str, list[int]]
    started: dict[str, float] = field(default_factory=dict)
    used: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, services: dict[str, int], mongodb_url: str) -> CpuMeter:
        parts = {name: [pid] for name, pid in services.items()}
        parts.update(store_pids(mongodb_url))
        parts["rabbitmq (shared node)"] = [p for p in _pids() if "beam.smp" in _command(p)[:200]]
        parts["load generator"] = [os.getpid()]
        return cls(parts)

    def _now(self) -> dict[str, float]:
        return {name: sum(_cpu_seconds(pid) for pid in pids) for name, pids in self.parts.items()}

    def start(self) -> None:
        self.started = self._now()

    def stop(self) -> None:
        now = self._now()
        self.used = {name: now[name] - self.started.get(name, 0.0) for name in now}

    def report(self, wall: float) -> str:
        share = ", ".join(
            f"{name} {seconds:.1f} s ({seconds / wall:.0%})"
            for name, seconds in sorted(self.used.items(), key=lambda item: -item[1])
        )
        return f"  CPU during the run ({wall:.1f} s wall, 2 cores = 200%): {share}"
