"""`make chaos`: the whole platform under a seeded schedule of faults, audited from outside.

    python -m mijnoverheid_testing.chaos --n 10000 --seed 1 --out docs/reliability.md
    python -m mijnoverheid_testing.chaos --cluster 3 --n 1000 --out docs/reliability-cluster.md

Exits 0 when every invariant held, 1 otherwise (the broken invariants and their event ids are
printed, and all ids are written to <work dir>/findings.json).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex
import shutil
import signal
import sys
import time
from pathlib import Path

from mijnoverheid.settings import REPOSITORY_ROOT
from mijnoverheid_testing.chaos import report
from mijnoverheid_testing.chaos.run import Options, execute


def options(argv: list[str]) -> tuple[Options, Path | None]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000, help="events to publish (about)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the workload and faults")
    parser.add_argument("--profile", choices=("full", "short"), default="full")
    parser.add_argument(
        "--shared",
        action="store_true",
        help="use the shared stack (AMQP_URL, MONGODB_URL): no broker or database restarts",
    )
    parser.add_argument(
        "--cluster",
        type=int,
        choices=(1, 3),
        default=1,
        help="broker nodes: 1, or a cluster of 3 with node kills and a rolling restart",
    )
    parser.add_argument(
        "--rate",
        type=float,
        help="events per second (default: N/40 s, 10-40; on a cluster N/150 s, 5-40, so that "
        "traffic flows through the node faults, which take minutes)",
    )
    parser.add_argument("--out", type=Path, help="write the report here (e.g. docs/reliability.md)")
    parser.add_argument("--work-dir", type=Path, help="logs and data (default .local/chaos/...)")
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    parser.add_argument("--command", help="the command to quote in the report")
    arguments = parser.parse_args(argv)
    if arguments.shared and arguments.profile == "full":
        parser.error("--shared takes --profile short: the full schedule restarts the broker")
    if arguments.shared and arguments.cluster > 1:
        parser.error("--cluster 3 starts a cluster of its own: not with --shared")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    work_dir = (
        arguments.work_dir or REPOSITORY_ROOT / ".local" / "chaos" / f"{stamp}-{arguments.seed}"
    )
    if arguments.cluster > 1:
        rate = arguments.rate or min(40.0, max(5.0, arguments.n / 150))
    else:
        rate = arguments.rate or min(40.0, max(10.0, arguments.n / 40))
    command = arguments.command or "python -m mijnoverheid_testing.chaos " + shlex.join(argv)
    return Options(
        n=arguments.n,
        seed=arguments.seed,
        profile=arguments.profile,
        shared=arguments.shared,
        rate=rate,
        work_dir=work_dir.resolve(),
        drain_timeout=arguments.drain_timeout,
        command=command,
        cluster=arguments.cluster,
    ), arguments.out


async def _until_stopped(chosen: Options) -> report.Run:
    """SIGTERM or SIGHUP (a closed terminal, a CI timeout) ends the run like Ctrl-C: the
    services, the broker node and FerretDB are stopped, not left behind."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, task.cancel)
    return await execute(chosen)


def main(argv: list[str] | None = None) -> int:
    # The organisations' reconnect attempts during a broker restart are expected: keep them
    # out of the progress bar.
    for noisy in ("aio_pika", "aiormq"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    chosen, out = options(sys.argv[1:] if argv is None else argv)
    try:
        run = asyncio.run(_until_stopped(chosen))
    except (asyncio.CancelledError, KeyboardInterrupt):
        print(f"stopped; logs in {chosen.work_dir}", file=sys.stderr)
        return 130
    print(f"broker: {run.broker}")
    print(report.table(run))
    print()
    print(report.verdict(run))
    details = chosen.work_dir / "findings.json"
    report.write(run, out or chosen.work_dir / "reliability.md", details)
    print(f"\nreport: {out or chosen.work_dir / 'reliability.md'}; every id: {details}")
    if run.findings.passed:  # the evidence stays; the database is only worth keeping to debug
        shutil.rmtree(chosen.work_dir / "ferretdb", ignore_errors=True)
    return 0 if run.findings.passed else 1


if __name__ == "__main__":
    sys.exit(main())
