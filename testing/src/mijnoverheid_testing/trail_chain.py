"""A message's trail checked from its export alone, the way docs/berichtenbox.md § 2 tells a
citizen to check their downloaded copy: independent of the Berichtenbox's own verification."""

from __future__ import annotations

import hashlib
import json
from typing import Any

HASHED_FIELDS = ("at", "cause", "details", "kind", "prev_hash", "seq")
FIRST_PREVIOUS = "0" * 64


def documented_hash(entry: dict[str, Any], message_id: str) -> str:
    """An entry's hash: SHA-256 over the canonical JSON of its hashed fields and the message."""
    fields = {"message_id": message_id, **{key: entry[key] for key in HASHED_FIELDS}}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain_is_valid(export: dict[str, Any]) -> bool:
    """Every entry numbered in order, naming the hash before it, with its own hash right."""
    previous = FIRST_PREVIOUS
    for position, entry in enumerate(export["entries"], start=1):
        digest = documented_hash(entry, export["message_id"])
        if entry["seq"] != position or entry["prev_hash"] != previous or entry["hash"] != digest:
            return False
        previous = entry["hash"]
    return True
