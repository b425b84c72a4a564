"""Run the benchmarks: `python -m benchmarks --n 3000 [--scenario berichtenbox] [--reads URL]`.

Each scenario runs on a fresh vhost and fresh databases of the stack, beside the raw broker
rate and the raw pipeline of its own shape, measured in the same run. With --reads, the reads
are measured over a seeded store (benchmarks/seed.py) at each --sizes, seeding it up to each
size first. The figures go to --figures (JSON) and the plots to --plots.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.harness import HEADER, machine, raw_broker_rate, summary_of_memory
from mijnoverheid_testing.platform import running_platform
from mijnoverheid_testing.stack import demo_registry, real_stack

SCENARIOS = ("berichtenbox", "zaken", "notifier", "endtoend")
ROOT = Path(__file__).resolve().parents[1]


async def scenarios(names: list[str], count: int) -> list[dict[str, Any]]:
    print(HEADER)
    measured = []
    with real_stack() as stack, tempfile.TemporaryDirectory() as logs:
        for name in names:
            scenario = importlib.import_module(f"benchmarks.{name}")
            async with running_platform(stack, demo_registry(), Path(logs)) as platform:
                body_size = len(scenario.sample_body())
                baseline = await raw_broker_rate(platform, count, body_size)
                print(baseline.line(None))
                result = await scenario.run(platform, count)
                if result.raw_pipeline:
                    print(result.raw_pipeline.line(baseline))
                print(result.line(baseline))
                if memory := summary_of_memory(result):
                    print(memory)
                if result.queue_depths:
                    from benchmarks.endtoend import print_depths

                    print_depths(result.queue_depths)
                measured.append({**result.summary(), "raw_broker_rate": baseline.rate})
    return measured


def reads(
    url: str, postgres: str | None, sizes: list[int], samples: int, suffix: str
) -> list[dict[str, Any]]:
    """Seed the store up to each size, then measure the reads there (in their own processes,
    so each runs as a tool would)."""
    measured = []
    for size in sizes:
        seed = [sys.executable, "-m", "benchmarks.seed", "--n", str(size), "--url", url]
        seed += ["--suffix", suffix]
        # Our own interpreter and modules, with arguments of our own making.
        subprocess.run(seed + (["--postgres", postgres] if postgres else []), check=True)  # noqa: S603
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [sys.executable, "-m", "benchmarks.reads", "--url", url]
            command += ["--samples", str(samples), "--out", out.name, "--suffix", suffix]
            subprocess.run(command, check=True)  # noqa: S603
            measured.append(json.loads(Path(out.name).read_text()))
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="events per scenario")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS)
    parser.add_argument("--no-scenarios", action="store_true", help="the reads alone")
    parser.add_argument("--reads", metavar="URL", help="the seeded store (never the shared one)")
    parser.add_argument("--postgres", help="the seeded store's PostgreSQL URL (VACUUM ANALYZE)")
    parser.add_argument("--sizes", default="100000,1000000", help="store sizes for the reads")
    parser.add_argument("--samples", type=int, default=200, help="citizens sampled per size")
    parser.add_argument("--suffix", default="", help="the seeded databases are <service><suffix>")
    parser.add_argument("--figures", type=Path, help="write every figure here (JSON)")
    parser.add_argument("--plots", type=Path, help="draw the PNG plots into this directory")
    arguments = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress in logs
    print(f"machine: {machine()}; n = {arguments.n}")
    names = [] if arguments.no_scenarios else arguments.scenario or list(SCENARIOS)
    figures: dict[str, Any] = {"machine": machine(), "n": arguments.n}
    figures["scenarios"] = asyncio.run(scenarios(names, arguments.n)) if names else []
    if arguments.reads:
        sizes = [int(size) for size in arguments.sizes.split(",")]
        figures["reads"] = reads(
            arguments.reads, arguments.postgres, sizes, arguments.samples, arguments.suffix
        )
    if arguments.figures:
        arguments.figures.parent.mkdir(parents=True, exist_ok=True)
        arguments.figures.write_text(json.dumps(figures))
    if arguments.plots:
        from benchmarks.plots import draw

        for path in draw(figures, arguments.plots):
            print(f"plot: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
