"""Publishing the plan at a steady rate (so that faults land in flowing traffic), as several
organisations at once, each event until the broker confirms it; and a progress bar."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable

from mijnoverheid.contracts import events
from mijnoverheid_testing.chaos.organisations import OrganisationLink
from mijnoverheid_testing.chaos.workload import Planned

IN_FLIGHT = 128  # publishes awaiting their confirm


class Traffic:
    def __init__(self, links: dict[str, OrganisationLink], plan: list[Planned], rate: float):
        self.links = links
        self.plan = plan
        self.rate = rate
        self.confirmed = 0
        self.started = 0.0
        self.finished = 0.0

    def progress(self) -> float:
        return self.confirmed / len(self.plan) if self.plan else 1.0

    @property
    def retries(self) -> int:
        return sum(link.retries for link in self.links.values())

    async def run(self) -> None:
        window = asyncio.Semaphore(IN_FLIGHT)
        self.started = time.monotonic()
        tasks = []
        for index, item in enumerate(self.plan):
            delay = self.started + index / self.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await window.acquire()
            tasks.append(asyncio.create_task(self._publish(item, window)))
        await asyncio.gather(*tasks)
        self.finished = time.monotonic()

    async def _publish(self, item: Planned, window: asyncio.Semaphore) -> None:
        try:
            link = self.links[item.user]
            route = item.route or events.MESSAGE_SENT  # a poison body on the usual key
            await link.publish(item.body, item.event_id, route.key(link.organisation.oin))
            self.confirmed += 1
        finally:
            window.release()


async def show_progress(line: Callable[[], str], stop: asyncio.Event) -> None:
    """Redraw one line on a terminal; elsewhere (a log, CI) print a line every 15 s."""
    tty = sys.stderr.isatty()
    last = 0.0
    while not stop.is_set():
        now = time.monotonic()
        if tty:
            print(f"\r{line()}\x1b[K", end="", file=sys.stderr, flush=True)
        elif now - last >= 15:
            print(line(), file=sys.stderr, flush=True)
            last = now
        try:
            await asyncio.wait_for(stop.wait(), timeout=0.5)
        except TimeoutError:
            continue
    print(("\r" if tty else "") + line(), file=sys.stderr, flush=True)


def bar(fraction: float, width: int = 30) -> str:
    filled = round(fraction * width)
    return "[" + "#" * filled + "." * (width - filled) + f"] {fraction:6.1%}"
