"""What a dead letter may show an operator: ids, types, sources, counts and reasons, never
personal data. Pure: from a delivery's parts, no broker.

A dead letter's body is never shown, nor any value of its CloudEvent `data`: only the names of
the data's fields. The envelope's `type` and `source` and the AMQP message id are shown only
when they look as they must (a reverse-DNS type, an OIN source, an id of id characters), so that
a misbehaving sender cannot smuggle a BSN or an address into the operator's terminal through
them; anything else shows as "(unrecognised)", and an id that is not one shows as a digest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

DEAD_LETTER_SUFFIX = ".dead-letter"
# How often a delivery was replayed before (set by the replay, shown in the listing).
REPLAYS_HEADER = "mijnoverheid-replays"
UNRECOGNISED = "(unrecognised)"
# Headers the broker sets on dead-lettering and delivery; a replay starts without them.
BROKER_HEADERS = ("x-death", "x-delivery-count")
BROKER_HEADER_PREFIXES = ("x-first-death-", "x-last-death-")

_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_TYPE = re.compile(r"^[a-z0-9]+(\.[a-z0-9-]+){1,8}$")
_SOURCE = re.compile(r"^urn:nld:oin:[0-9]{20}:systeem:[A-Za-z0-9._-]{1,64}$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_BROKER_USER = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_ROUTING_KEY = re.compile(r"^[a-z0-9.-]{1,200}$")


@dataclass(frozen=True)
class Death:
    """One dead-lettering of the delivery (an `x-death` entry), most recent first."""

    queue: str
    reason: str  # rejected | delivery_limit | expired | maxlen
    count: int
    time: datetime | None
    exchange: str
    routing_keys: tuple[str, ...]


@dataclass(frozen=True)
class DeadLetter:
    dead_letter_queue: str
    queue: str  # the work queue it died in; a replay goes back there
    id: str  # the AMQP message id (the CloudEvent id), or "#<digest of the body>"
    event_type: str | None  # None: not a CloudEvent
    source: str | None
    user_id: str | None  # the broker user that published it
    routing_key: str  # the key it had in its queue, kept by a replay
    reason: str
    count: int  # times dead-lettered from its queue
    died_at: datetime | None
    replays: int
    size: int
    data_fields: tuple[str, ...]
    content_type: str | None
    deaths: tuple[Death, ...]


def work_queue_of(dead_letter_queue: str) -> str:
    return dead_letter_queue.removesuffix(DEAD_LETTER_SUFFIX)


def read(
    dead_letter_queue: str,
    body: bytes,
    headers: Mapping[str, Any],
    *,
    message_id: str | None,
    user_id: str | None,
    content_type: str | None,
) -> DeadLetter:
    queue = work_queue_of(dead_letter_queue)
    deaths = tuple(
        _death(entry) for entry in headers.get("x-death") or () if isinstance(entry, dict)
    )
    # The dead-lettering from its work queue (a retry command also died in a delay queue before).
    death = next((d for d in deaths if d.queue == queue), deaths[0] if deaths else None)
    envelope = _envelope(body)
    replays = headers.get(REPLAYS_HEADER, 0)
    return DeadLetter(
        dead_letter_queue=dead_letter_queue,
        queue=queue,
        id=message_id if message_id and _ID.fullmatch(message_id) else _digest(body),
        event_type=_shown(envelope.get("type"), _TYPE),
        source=_shown(envelope.get("source"), _SOURCE),
        user_id=user_id if user_id is None or _BROKER_USER.fullmatch(user_id) else UNRECOGNISED,
        routing_key=death.routing_keys[0] if death and death.routing_keys else "",
        reason=death.reason if death else "unknown",
        count=death.count if death else 0,
        died_at=death.time if death else None,
        replays=replays if isinstance(replays, int) else 0,
        size=len(body),
        data_fields=_fields(envelope.get("data")),
        content_type=_shown(content_type, re.compile(r"^[a-z0-9.+/-]{1,100}$")),
        deaths=deaths,
    )


def replay_headers(headers: Mapping[str, Any], replay_to: tuple[str, str]) -> dict[str, Any]:
    """The headers of the replayed delivery: the publisher's own, the replay count, and the
    replay exchange's routing header `replay_to` = (header, queue)."""
    kept = {
        key: value
        for key, value in headers.items()
        if key not in BROKER_HEADERS and not key.startswith(BROKER_HEADER_PREFIXES)
    }
    replays = kept.get(REPLAYS_HEADER, 0)
    kept[REPLAYS_HEADER] = (replays if isinstance(replays, int) else 0) + 1
    header, queue = replay_to
    kept[header] = queue
    return kept


def _death(entry: Mapping[str, Any]) -> Death:
    keys = entry.get("routing-keys") or ()
    time = entry.get("time")
    return Death(
        queue=str(entry.get("queue", "")),
        reason=str(entry.get("reason", "unknown")),
        count=int(entry.get("count", 0)),
        time=time if isinstance(time, datetime) else None,
        exchange=str(entry.get("exchange", "")),
        routing_keys=tuple(str(key) for key in keys if _ROUTING_KEY.fullmatch(str(key))),
    )


def _envelope(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _shown(value: Any, pattern: re.Pattern[str]) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) and pattern.fullmatch(value) else UNRECOGNISED


def _fields(data: Any) -> tuple[str, ...]:
    if not isinstance(data, dict):
        return ()
    return tuple(sorted(key if _FIELD.fullmatch(key) else UNRECOGNISED for key in data))


def _digest(body: bytes) -> str:
    return "#" + hashlib.sha256(body).hexdigest()[:16]
