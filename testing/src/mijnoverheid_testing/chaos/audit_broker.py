"""What the broker holds after the run: nothing in a work queue, nothing unrouted, and in the
dead-letter queues only what could never be processed (the poison bodies the run published)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any
from urllib.parse import quote

from mijnoverheid_testing.chaos.findings import Findings
from mijnoverheid_testing.drained import busy_queues
from mijnoverheid_testing.stack import Stack

POISON_QUEUE = "berichtenbox.message-sent.dead-letter"
UNROUTED = "mijnoverheid.unrouted"


def queues(stack: Stack, vhost: str) -> list[dict[str, Any]]:
    with stack.management() as management:
        answer = management.get(
            f"/api/queues/{quote(vhost, safe='')}",
            params={"columns": "name,messages,messages_unacknowledged"},
        )
    answer.raise_for_status()
    found: list[dict[str, Any]] = answer.json()
    return found


def peek(stack: Stack, vhost: str, queue: str, count: int) -> list[dict[str, Any]]:
    """The messages of `queue`, left where they are (requeued)."""
    with stack.management() as management:
        answer = management.post(
            f"/api/queues/{quote(vhost, safe='')}/{quote(queue, safe='')}/get",
            json={"count": count, "ackmode": "ack_requeue_true", "encoding": "base64"},
        )
    answer.raise_for_status()
    found: list[dict[str, Any]] = answer.json()
    return found


def _message_id(message: dict[str, Any]) -> str:
    return str(message.get("properties", {}).get("message_id") or "(no message id)")


async def check_broker(stack: Stack, vhost: str, poison: set[str], out: Findings) -> None:
    found = await asyncio.to_thread(queues, stack, vhost)
    out.check("every work queue drained", "still holding messages", busy_queues(found))
    dead: dict[str, list[str]] = {}
    for queue in found:
        if queue.get("messages") and (
            queue["name"].endswith(".dead-letter") or queue["name"] == UNROUTED
        ):
            held = await asyncio.to_thread(peek, stack, vhost, queue["name"], queue["messages"])
            dead[queue["name"]] = [_message_id(m) for m in held]
    poisoned = dead.pop(POISON_QUEUE, [])
    unrouted = dead.pop(UNROUTED, [])
    out.figures["dead letters (poison, expected)"] = sum(1 for i in poisoned if i in poison)
    good = [i for i in poisoned if i not in poison] + [i for ids in dead.values() for i in ids]
    for name, ids in dead.items():
        out.notes.append(f"{name}: {len(ids)} dead-lettered")
    out.check("nothing good dead-lettered", "a processable event in a dead-letter queue", good)
    out.check(
        "poison dead-lettered", "a poison body not in the dead-letter queue", poison - set(poisoned)
    )
    out.check("nothing unrouted", "an event nobody could receive", unrouted)


def describe_broker(stack: Stack, vhost: str) -> str:
    """Which broker the run had, as its management API tells after the run: the nodes, the
    version, and over how many nodes the quorum queues are replicated."""
    with stack.management() as client:
        overview = client.get("/api/overview").raise_for_status().json()
        nodes = client.get("/api/nodes", params={"columns": "name,running"}).raise_for_status()
        found = client.get(
            f"/api/queues/{quote(vhost, safe='')}", params={"columns": "name,type,members,online"}
        ).raise_for_status()
    names = sorted(str(node["name"]).split("@")[0] for node in nodes.json())
    quorum = [queue for queue in found.json() if queue.get("type") == "quorum"]
    spread = Counter(len(queue.get("members") or []) for queue in quorum)
    offline = sum(1 for q in quorum if len(q.get("online") or []) < len(q.get("members") or []))
    broker = "one RabbitMQ node" if len(names) == 1 else f"a cluster of {len(names)} RabbitMQ nodes"
    members = ", ".join(f"{count} with {size} members" for size, count in sorted(spread.items()))
    return (
        f"{broker} ({', '.join(names)}; RabbitMQ {overview.get('rabbitmq_version', '?')}): "
        f"{len(quorum)} quorum queues, {members}; after the run {offline} with a member offline"
    )
