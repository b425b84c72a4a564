"""A barrier: the platform's queues are empty, with nothing in flight, and stay so.

The broker's management statistics lag by up to its statistics interval (5 s by default), so
"empty" must hold for longer than that before it proves anything: a message still on its way
(a redelivery, a retry, a late duplicate) would have shown up in that time.
"""

from __future__ import annotations

import time
from typing import Any

from mijnoverheid_testing.stack import Stack
from mijnoverheid_testing.waiting import wait_until

STATISTICS_INTERVAL_SECONDS = 5.0
# What is legitimately left behind: dead letters, unrouted events, the test organisations'
# own queues.
_NOT_WORK = ("org.",)
_NOT_WORK_SUFFIXES = (".dead-letter",)
_UNROUTED = "mijnoverheid.unrouted"


def busy_queues(queues: list[dict[str, Any]], prefix: str = "") -> list[str]:
    """The work queues (delay queues included: a retry is work to come) holding messages."""
    return [
        queue["name"]
        for queue in queues
        if queue["name"].startswith(prefix)
        and not queue["name"].startswith(_NOT_WORK)
        and not queue["name"].endswith(_NOT_WORK_SUFFIXES)
        and queue["name"] != _UNROUTED
        and (queue.get("messages", 0) or queue.get("messages_unacknowledged", 0))
    ]


async def drained(
    stack: Stack,
    vhost: str,
    *,
    settle: float = STATISTICS_INTERVAL_SECONDS + 1.0,
    timeout: float = 120.0,
    prefix: str = "",
) -> None:
    """Return once every work queue of `vhost` (whose name starts with `prefix`: one
    service's, say, when the others do not run) has been empty for `settle` seconds on end."""
    empty_since: float | None = None

    def settled() -> bool:
        nonlocal empty_since
        with stack.management() as management:
            response = management.get(
                f"/api/queues/{vhost}", params={"columns": "name,messages,messages_unacknowledged"}
            )
        response.raise_for_status()
        if busy_queues(response.json(), prefix):
            empty_since = None
            return False
        now = time.monotonic()
        empty_since = empty_since or now
        return now - empty_since >= settle

    await wait_until(settled, timeout=timeout, what=f"the queues of {vhost} to drain")
