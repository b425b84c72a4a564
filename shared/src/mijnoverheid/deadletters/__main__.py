"""python -m mijnoverheid.deadletters list|show|replay — dead letters for operators.

    list                         by queue and reason, then one line per dead letter
    show ID                      one dead letter: its route, every dead-lettering, its fields
    replay (--queue Q | --id ID | --reason R | --all) [--dry-run]
                                 back to the queue each died in, with its own routing key

Connects with AMQP_URL as the operator (`mijnoverheid-operator`, which may read the
dead-letter queues and write only the replay exchange, as the original publisher), one node or
several (host:port,host:port); over amqps:// it verifies the broker with AMQP_CA_FILE and, with
AMQP_CERT_FILE and AMQP_KEY_FILE, logs in with the operator's certificate (EXTERNAL), as the
services do. Prints no personal data: no bodies, no values of the events' data, no BSNs or
addresses; ids, types, sources, counts and reasons.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from mijnoverheid import tls
from mijnoverheid.deadletters.broker import DEAD_LETTER_QUEUES, Held, ReplayError, session
from mijnoverheid.deadletters.letters import DEAD_LETTER_SUFFIX, DeadLetter

DEFAULT_LIMIT = 10_000


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    amqp_url = os.environ.get("AMQP_URL", "")
    if not amqp_url:
        print("set AMQP_URL to the broker URL of mijnoverheid-operator", file=sys.stderr)
        return 2
    amqp_url, context = _tls(amqp_url, os.environ)
    return asyncio.run(_run(arguments, amqp_url, context))


def _tls(amqp_url: str, environment: Mapping[str, str]) -> tuple[str, ssl.SSLContext | None]:
    """The URL and TLS context to connect with: verifying the broker, and with a certificate
    as the login (EXTERNAL) when one is given."""
    if not amqp_url.startswith("amqps://"):
        return amqp_url, None
    names = ("AMQP_CA_FILE", "AMQP_CERT_FILE", "AMQP_KEY_FILE")
    ca, cert, key = (Path(value) if (value := environment.get(n)) else None for n in names)
    if cert is not None:
        amqp_url += ("&" if "?" in amqp_url else "?") + "auth=external"
    return amqp_url, tls.client_context(ca, cert, key)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mijnoverheid.deadletters",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("list", "show", "replay"):
        command = commands.add_parser(name)
        command.add_argument("--queue", action="append", default=[], help="work queue (repeatable)")
        command.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="per queue")
        if name == "show":
            command.add_argument("id")
        else:
            command.add_argument("--reason", action="append", default=[], help="e.g. rejected")
            command.add_argument("--json", action="store_true", help="one JSON object a line")
        if name == "replay":
            command.add_argument("--id", action="append", default=[], help="(repeatable)")
            command.add_argument("--all", action="store_true", help="every dead letter")
            command.add_argument("--dry-run", action="store_true", help="only say what")
    return parser


async def _run(arguments: argparse.Namespace, amqp_url: str, context: ssl.SSLContext | None) -> int:
    queues = _queues(arguments.queue)
    if isinstance(queues, str):
        print(queues, file=sys.stderr)
        return 2
    if arguments.command == "replay" and not (
        arguments.queue or arguments.id or arguments.reason or arguments.all
    ):
        print("replay what? give --queue, --id, --reason, or --all", file=sys.stderr)
        return 2
    async with session(amqp_url, context) as broker:
        held = await broker.hold(queues, arguments.limit)
        if arguments.command == "show":
            return _show([h.letter for h in held if h.letter.id == arguments.id], arguments.id)
        chosen = [h for h in held if _chosen(h.letter, arguments)]
        if arguments.command == "list":
            _list([h.letter for h in chosen], arguments.json)
            return 0
        return await _replay(broker, chosen, arguments.dry_run)


def _queues(named: list[str]) -> list[str] | str:
    if not named:
        return list(DEAD_LETTER_QUEUES)
    found = [name.removesuffix(DEAD_LETTER_SUFFIX) + DEAD_LETTER_SUFFIX for name in named]
    unknown = sorted(set(found) - set(DEAD_LETTER_QUEUES))
    return f"no such work queue: {', '.join(unknown)}" if unknown else found


def _chosen(letter: DeadLetter, arguments: argparse.Namespace) -> bool:
    ids = getattr(arguments, "id", [])
    return (not arguments.reason or letter.reason in arguments.reason) and (
        not ids or letter.id in ids
    )


def _list(letters: list[DeadLetter], as_json: bool) -> None:
    if as_json:
        for letter in letters:
            print(json.dumps(_summary(letter), default=str))
        return
    by_reason = Counter((letter.queue, letter.reason) for letter in letters)
    _table(
        [("queue", "reason", "dead letters")]
        + [(q, r, str(n)) for (q, r), n in sorted(by_reason.items())]
    )
    if letters:
        print()
        rows = [("id", "queue", "type", "source", "reason", "count", "replays", "died at")]
        rows += [
            (letter.id, letter.queue, letter.event_type or "-", letter.source or "-",
             letter.reason, str(letter.count), str(letter.replays),
             letter.died_at.isoformat() if letter.died_at else "-")
            for letter in letters
        ]  # fmt: skip
        _table(rows)


def _show(letters: list[DeadLetter], wanted: str) -> int:
    if not letters:
        print(f"no dead letter with id {wanted}", file=sys.stderr)
        return 1
    for letter in letters:  # the same event may have died more than once
        summary = _summary(letter)
        summary["deaths"] = [asdict(death) for death in letter.deaths]
        print(json.dumps(summary, indent=2, default=str))
    return 0


def _summary(letter: DeadLetter) -> dict[str, Any]:
    fields = asdict(letter)
    fields.pop("deaths")
    return fields


async def _replay(broker: Any, chosen: list[Held], dry_run: bool) -> int:
    if dry_run:
        for held in chosen:
            print(f"would replay {held.letter.id} to {held.letter.queue} ({held.letter.reason})")
        print(f"{len(chosen)} dead letters would be replayed")
        return 0
    progress = Progress(len(chosen), sys.stderr)
    failed = 0
    for held in chosen:
        try:
            await broker.replay(held)
        except ReplayError as error:
            failed += 1
            progress.note(str(error))
        progress.advance()
    progress.done()
    print(f"replayed {len(chosen) - failed} of {len(chosen)} dead letters")
    return 1 if failed else 0


class Progress:
    """A progress bar on a terminal, a line now and then elsewhere (a log, a pipe)."""

    WIDTH = 30

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.done_count, self.out = total, 0, out
        self.live = out.isatty()

    def advance(self) -> None:
        self.done_count += 1
        share = self.done_count / self.total if self.total else 1.0
        bar = "#" * round(share * self.WIDTH)
        line = f"[{bar:<{self.WIDTH}}] {self.done_count}/{self.total} replayed"
        if self.live:
            self.out.write("\r" + line)
        elif self.done_count == self.total or self.done_count % max(1, self.total // 10) == 0:
            self.out.write(line + "\n")
        self.out.flush()

    def note(self, text: str) -> None:
        self.out.write(("\n" if self.live else "") + text + "\n")

    def done(self) -> None:
        if self.live and self.total:
            self.out.write("\n")


def _table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


if __name__ == "__main__":
    raise SystemExit(main())
