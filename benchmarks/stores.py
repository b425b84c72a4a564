"""The embedded store's two backends side by side, in one run: ingest (the Berichtenbox
scenario and the end-to-end scenario, each beside its raw denominators) and the reads over a
seeded store, on each backend in turn.

    python -m benchmarks.stores --n 3000 --size 100000 \\
        --store sqlite,mongodb://127.0.0.1:27030,mongodb://127.0.0.1:27035,3,1 \\
        --store postgresql,mongodb://127.0.0.1:27033,mongodb://127.0.0.1:27034,100,3

Each --store is: name, the live store (fresh databases per scenario), the seeded store (seeded
up to --size first), citizens sampled for the reads and passes of each scan (few on a store
where every read scans).
The broker is the local stack's (AMQP_URL). Never point either store at the shared one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


def run(command: list[str], mongodb_url: str | None = None) -> None:
    environment = {**os.environ, **({"MONGODB_URL": mongodb_url} if mongodb_url else {})}
    # Our own interpreter and modules, with arguments of our own making.
    subprocess.run(command, env=environment, check=True)  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--store", action="append", required=True)
    arguments = parser.parse_args()
    stores = [each.split(",") for each in arguments.store]
    python = [sys.executable, "-m"]
    for name, live, *_ in stores:
        print(f"\n=== ingest on {name} ({live})", flush=True)
        scenarios = ["--scenario", "berichtenbox", "--scenario", "endtoend"]
        run([*python, "benchmarks", "--n", str(arguments.n), *scenarios], live)
    for name, _, seeded, samples, scans in stores:
        print(f"\n=== reads on {name} ({seeded}), {arguments.size:,} messages", flush=True)
        run([*python, "benchmarks.seed", "--n", str(arguments.size), "--url", seeded])
        reads = ["--url", seeded, "--samples", samples, "--scans", scans]
        run([*python, "benchmarks.reads", *reads])


if __name__ == "__main__":
    main()
