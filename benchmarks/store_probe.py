"""What a MongoDB-compatible store serves without scanning: p50/p99 of the query shapes the
services need, on several stores interleaved in one run (noise hits all of them alike).

    .venv/bin/python -m benchmarks.store_probe --docs 100000 \\
        --target sqlite=mongodb://127.0.0.1:27019 \\
        --target pg=mongodb://127.0.0.1:27021 --postgres pg=postgres://postgres@127.0.0.1:5433/ferretdb

Never point it at a store whose data matters: it drops and fills the database `store_probe`.
Phases: `bare` (only the `_id` index), `indexed` (FerretDB's b-tree secondary indexes), and for
targets with --postgres `gin` (GIN indexes `((_jsonb->'f') jsonb_path_ops)` beside them). A
sample that runs past --cap ms is cut off by maxTimeMS and reported as "> cap".
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.errors import ExecutionTimeout

from benchmarks import store_data
from benchmarks.store_shapes import BARE, SHAPES, Shape


@dataclass
class Target:
    name: str
    collection: Collection[dict[str, Any]]
    postgres: str | None
    results: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    capped: set[tuple[str, str]] = field(default_factory=set)


def run_shape(targets: list[Target], phase: str, shape: str, args: argparse.Namespace) -> None:
    """Samples round-robin over the targets, each until its sample count or time budget."""
    call = SHAPES[shape][1]
    rng = random.Random(f"{phase}{shape}")
    for target in targets:  # warm-up, not counted
        _sample(target, call, rng, args, (phase, shape))
        target.results[(phase, shape)] = []
    spent = dict.fromkeys((t.name for t in targets), 0.0)
    for _ in range(args.samples):
        active = [
            t for t in targets if spent[t.name] < args.budget and (phase, shape) not in t.capped
        ]
        if not active:
            break
        for target in active:
            elapsed = _sample(target, call, rng, args, (phase, shape))
            spent[target.name] += elapsed
            target.results[(phase, shape)].append(elapsed * 1000)


def _sample(
    target: Target, call: Shape, rng: random.Random, args: argparse.Namespace, key: tuple[str, str]
) -> float:
    start = time.perf_counter()
    try:
        call(target.collection, args.data, rng, args.cap)
    except ExecutionTimeout:
        target.capped.add(key)
    return time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cell(target: Target, key: tuple[str, str], cap: int) -> str:
    if key in target.capped:
        return f"> {cap / 1000:g} s"
    values = target.results.get(key)
    if not values:
        return "–"
    return f"{_ms(percentile(values, 0.5))} / {_ms(percentile(values, 0.99))} ({len(values)})"


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def report(targets: list[Target], plan: list[tuple[str, str]], args: argparse.Namespace) -> None:
    print(f"\n{len(args.data.ids):,} documents; p50 / p99 ms (samples)\n")
    print("| phase | shape | " + " | ".join(t.name for t in targets) + " |")
    print("|---|---|" + "---|" * len(targets))
    for phase, shape in plan:
        cells = [cell(t, (phase, shape), args.cap) if _applies(t, phase) else "–" for t in targets]
        print(f"| {phase} | {SHAPES[shape][0]} | " + " | ".join(cells) + " |")
    if args.json:
        dump = {t.name: {f"{p}/{s}": v for (p, s), v in t.results.items()} for t in targets}
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"docs": len(args.data.ids), "ms": dump}, out)


def _applies(target: Target, phase: str) -> bool:
    return phase != "gin" or target.postgres is not None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--target", action="append", required=True, metavar="NAME=MONGODB_URL")
    parser.add_argument(
        "--postgres",
        action="append",
        default=[],
        metavar="NAME=POSTGRES_URL",
        help="the target runs on this PostgreSQL: also measure with GIN indexes",
    )
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated shape names")
    parser.add_argument("--phases", default="bare,indexed,gin")
    parser.add_argument("--samples", type=int, default=200, help="at most, per shape and target")
    parser.add_argument("--budget", type=float, default=4.0, help="seconds per shape and target")
    parser.add_argument("--cap", type=int, default=5000, help="maxTimeMS of a read")
    parser.add_argument("--heavy", type=int, default=0, help="messages of one extra citizen")
    parser.add_argument("--json", help="also write every sample (ms) to this file")
    args = parser.parse_args()
    postgres = dict(item.split("=", 1) for item in args.postgres)
    shapes = args.shapes.split(",")
    if unknown := set(shapes) - set(SHAPES):
        parser.error(f"unknown shapes: {', '.join(sorted(unknown))}")
    args.data = store_data.dataset(args.docs, args.heavy)

    targets = []
    for item in args.target:
        name, url = item.split("=", 1)
        client: MongoClient[dict[str, Any]] = MongoClient(url, tz_aware=True)
        collection = client["store_probe"]["messages"]
        targets.append(Target(name, collection, postgres.get(name)))
        print(f"{name}: loading {args.docs:,} documents", file=sys.stderr)
        store_data.load(collection, args.data)
        store_data.drop_secondary_indexes(collection, postgres.get(name))

    plan = []
    phases = args.phases.split(",")
    for phase in phases:
        if phase == "indexed":
            for target in targets:
                store_data.create_secondary_indexes(target.collection)
        if phase == "gin":
            for target in targets:
                if target.postgres:
                    store_data.create_gin_indexes(target.collection, target.postgres)
        in_phase = [t for t in targets if _applies(t, phase)]
        for shape in shapes:
            if (phase == "bare" and shape not in BARE and len(phases) > 1) or not in_phase:
                continue
            print(f"{phase}: {shape}", file=sys.stderr)
            run_shape(in_phase, phase, shape, args)
            plan.append((phase, shape))
    report(targets, plan, args)


if __name__ == "__main__":
    main()
