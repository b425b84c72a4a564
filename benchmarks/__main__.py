"""Run the benchmark scenarios: `python -m benchmarks --n 3000 [--scenario berichtenbox]`."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import tempfile
from pathlib import Path

from benchmarks.harness import HEADER, machine, raw_broker_rate, summary_of_memory
from mijnoverheid_testing.platform import running_platform
from mijnoverheid_testing.stack import demo_registry, real_stack

SCENARIOS = ("berichtenbox", "zaken", "notifier")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="events per scenario")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS)
    arguments = parser.parse_args()
    print(f"machine: {machine()}; n = {arguments.n}")
    print(HEADER)
    with real_stack() as stack, tempfile.TemporaryDirectory() as logs:
        for name in arguments.scenario or SCENARIOS:
            try:
                scenario = importlib.import_module(f"benchmarks.{name}")
            except ModuleNotFoundError:
                print(f"{name:<28} (no scenario yet)")
                continue
            async with running_platform(stack, demo_registry(), Path(logs)) as platform:
                body_size = len(scenario.sample_body())
                baseline = await raw_broker_rate(platform, arguments.n, body_size)
                print(baseline.line(None))
                result = await scenario.run(platform, arguments.n)
                print(result.line(baseline))
                if memory := summary_of_memory(result):
                    print(memory)


if __name__ == "__main__":
    asyncio.run(main())
