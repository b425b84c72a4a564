"""The canonical JSON that digests, signatures and trail hashes are computed over.

Keys sorted, no insignificant whitespace, UTF-8, non-ASCII not escaped; values are only
strings, booleans, integers, null, lists and objects (no floats), and times are RFC 3339 UTC
with millisecond precision — the precision MongoDB keeps, so a value reloaded from the
database gives the same bytes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def to_millis(moment: datetime) -> datetime:
    """Truncate to what the database stores, so a reloaded time hashes the same."""
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def rfc3339(moment: datetime) -> str:
    return to_millis(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")
