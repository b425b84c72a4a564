"""Valid and invalid BSNs for tests (random, so tests never share a citizen)."""

from __future__ import annotations

import random

from mijnoverheid.identity import is_valid_bsn


def random_bsn() -> str:
    while True:
        candidate = f"{random.randrange(10_000_000, 999_999_999):09d}"
        if is_valid_bsn(candidate):
            return candidate


def invalid_bsn() -> str:
    while True:
        candidate = f"{random.randrange(10_000_000, 999_999_999):09d}"
        if not is_valid_bsn(candidate):
            return candidate
