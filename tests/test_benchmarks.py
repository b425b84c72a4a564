"""`make bench` keeps working: every scenario, the raw denominators, the reads over a seeded
store and the plots run end to end on a small N.

Not a speed test (speed targets live in the benchmarks themselves): it asserts that each
scenario completes and reports a rate, that the reads report p50/p99 at each size, and that
the plots are drawn, so a change that breaks a benchmark fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from pymongo import MongoClient

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
SEEDED = ("berichtenbox", "zaken", "gegevens", "notifier", "bench_seed")


def test_every_benchmark_scenario_runs_end_to_end(tmp_path: Path) -> None:
    url = os.environ.get("MONGODB_URL")
    if not (os.environ.get("AMQP_URL") and url):
        pytest.fail("set AMQP_URL and MONGODB_URL (make test does) to run the benchmarks")
    suffix = f"_benchtest_{uuid.uuid4().hex[:8]}"  # a seeded store of its own, dropped after
    command = [sys.executable, "-m", "benchmarks", "--n", "40", "--reads", url]
    command += ["--suffix", suffix, "--sizes", "300,600", "--samples", "8"]
    command += ["--figures", str(tmp_path / "bench.json"), "--plots", str(tmp_path)]
    try:
        result = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
        )
    finally:
        with MongoClient(url) as client:
            for name in SEEDED:
                client.drop_database(name + suffix)
    assert result.returncode == 0, result.stderr[-3000:]
    for scenario in ("berichtenbox ingest", "zaken status", "notifier trigger", "end to end"):
        lines = [line for line in result.stdout.splitlines() if line.startswith(scenario)]
        assert lines, f"no result line for {scenario}:\n{result.stdout}"
        assert "/s" in lines[0]
    assert result.stdout.count("raw pipeline, same shape") == 4
    figures = json.loads((tmp_path / "bench.json").read_text())
    assert [len(size["reads"]) for size in figures["reads"]] == [8, 8]
    assert all(read["millis"] for size in figures["reads"] for read in size["reads"])
    for plot in ("throughput", "latency-cdf", "queue-depths", "reads-by-store-size"):
        assert (tmp_path / f"{plot}.png").stat().st_size > 10_000, plot
