"""Reading one top-level member of a JSON body without parsing the rest.

Used to quote an event's `id` and `source` back to its sender when the body as a whole cannot
be parsed: too large to parse at all, nested deeper than any parser allows, or otherwise
invalid. The scan is linear and never recurses, so no body can exhaust the stack or memory.
"""

from __future__ import annotations

import json
import re

# A JSON string (escapes included) or a structural character; everything else (numbers,
# literals, white space) is skipped. The unrolled loop keeps long strings cheap.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]')
_MAX_MEMBER_BYTES = 4096


def top_level_string(body: bytes, name: str) -> str | None:
    """The value of `name` in the top-level object of `body`, when it is a short string."""
    depth = 0
    expecting_key = False
    key: str | None = None
    after_colon = False
    for match in _TOKEN.finditer(body):
        token = match.group()
        if token in (b"{", b"["):
            depth += 1
            expecting_key = token == b"{" and depth == 1
            after_colon = False
        elif token in (b"}", b"]"):
            depth -= 1
            if depth <= 0:
                return None
        elif depth != 1:
            continue
        elif token == b",":
            expecting_key, after_colon, key = True, False, None
        elif token == b":":
            after_colon = True
        elif expecting_key:
            key, expecting_key = _string(token), False
        elif after_colon and key == name:
            return _string(token)
    return None


def _string(token: bytes) -> str | None:
    if len(token) > _MAX_MEMBER_BYTES:
        return None
    try:
        value = json.loads(token)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, str) else None
