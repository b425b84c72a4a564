"""The PNG figures of a benchmark run (docs/performance/): throughput over time per scenario,
the latency CDF, read latency against store size, and the end-to-end queue depths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt


def draw(figures: dict[str, Any], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    drawn = []
    scenarios = figures.get("scenarios", [])
    if scenarios:
        drawn.append(_throughput(scenarios, directory / "throughput.png"))
        drawn.append(_latency_cdf(scenarios, directory / "latency-cdf.png"))
        depths = [s for s in scenarios if s.get("queue_depths")]
        if depths:
            drawn.append(_queue_depths(depths[0], directory / "queue-depths.png"))
    if figures.get("reads"):
        drawn.append(_reads(figures["reads"], directory / "reads-by-store-size.png"))
    return drawn


def _per_second(times: list[float]) -> tuple[list[float], list[int]]:
    if not times:
        return [], []
    seconds = [0] * (int(max(times)) + 1)
    for at in times:
        seconds[int(at)] += 1
    return [n + 0.5 for n in range(len(seconds))], seconds


def _throughput(scenarios: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(9, 4.5))
    for scenario in scenarios:
        for result, style in ((scenario, "-"), (scenario.get("raw_pipeline"), ":")):
            if result and result["done_times"]:
                label = result["name"].strip()
                if style == ":":
                    label = f"{scenario['name']} (raw pipeline)"
                axes.plot(*_per_second(result["done_times"]), style, label=label, linewidth=1.2)
    return _save(
        figure,
        axes,
        path,
        x="seconds from the first publish",
        y="events completed per second",
        title="Throughput over time (dotted: the raw pipeline of the same shape)",
    )


def _latency_cdf(scenarios: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(9, 4.5))
    for scenario in scenarios:
        latencies = scenario["latencies"]
        if latencies:
            share = [(n + 1) / len(latencies) for n in range(len(latencies))]
            axes.plot([1000 * latency for latency in latencies], share, label=scenario["name"])
    return _save(
        figure,
        axes,
        path,
        x="latency, publish → answer (ms, log)",
        y="share of events",
        title="Latency CDF (a burst: includes the time in the queue)",
        log_x=True,
    )


def _queue_depths(scenario: dict[str, Any], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(9, 4.5))
    for name, samples in scenario["queue_depths"].items():
        if any(depth for _, depth in samples):
            axes.plot([at for at, _ in samples], [depth for _, depth in samples], label=name)
    return _save(
        figure,
        axes,
        path,
        x="seconds from the first publish",
        y="ready messages",
        title=f"Queue depths: {scenario['name']}",
    )


def _reads(measured: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(9, 5))
    sizes = [each["messages"] for each in measured]
    names = [read["name"] for read in measured[0]["reads"] if read["facing"]]
    for name in names:
        rows = [next(r for r in each["reads"] if r["name"] == name) for each in measured]
        p99 = [_percentile(row["millis"], 0.99) for row in rows]
        p50 = [_percentile(row["millis"], 0.5) for row in rows]
        (line,) = axes.plot(sizes, p99, "o-", label=f"{name} (p99)")
        axes.plot(sizes, p50, "o:", color=line.get_color(), linewidth=0.8)
    axes.axhline(100, color="red", linewidth=0.8, linestyle="--", label="100 ms")
    return _save(
        figure,
        axes,
        path,
        x="messages in the store (log)",
        y="ms (solid: p99, dotted: p50)",
        title="Citizen- and organisation-facing reads against store size",
        log_x=True,
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def _save(
    figure: Any, axes: Any, path: Path, *, x: str, y: str, title: str, log_x: bool = False
) -> Path:
    """Every figure alike: labelled axes, a small legend, a light grid (minor lines too on a
    log scale), written as PNG."""
    if log_x:
        axes.set_xscale("log")
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    axes.set_title(title)
    axes.legend(fontsize=7)
    axes.grid(alpha=0.3, which="both" if log_x else "major")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
