"""`make bench` keeps working: every scenario runs end to end on a handful of events.

Not a speed test (speed targets live in the benchmarks themselves): it asserts that each
scenario completes and reports a rate, so a change that breaks a benchmark fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]


def test_every_benchmark_scenario_runs_end_to_end() -> None:
    if not (os.environ.get("AMQP_URL") and os.environ.get("MONGODB_URL")):
        pytest.fail("set AMQP_URL and MONGODB_URL (make test does) to run the benchmarks")
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--n", "40"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for scenario in ("berichtenbox ingest", "zaken status", "notifier trigger"):
        lines = [line for line in result.stdout.splitlines() if line.startswith(scenario)]
        assert lines, f"no result line for {scenario}:\n{result.stdout}"
        assert "/s" in lines[0]
