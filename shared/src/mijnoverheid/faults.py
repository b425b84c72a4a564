"""Failpoints: let tests kill a service at an exact point, to prove nothing is lost.

Set MIJNOVERHEID_FAILPOINT to a failpoint's name; the process then exits abruptly (as a crash
or `kill -9` would) when it reaches that point. Unset in every real deployment.
"""

from __future__ import annotations

import os

FAILPOINT_ENV = "MIJNOVERHEID_FAILPOINT"
FAILPOINT_EXIT_CODE = 86


def failpoint(name: str) -> None:
    if os.environ.get(FAILPOINT_ENV) == name:
        os._exit(FAILPOINT_EXIT_CODE)
