"""Failpoints: let tests kill a service at an exact point, to prove nothing is lost.

Set MIJNOVERHEID_FAILPOINT to a failpoint's name; the process then exits abruptly (as a crash
or `kill -9` would) when it reaches that point. With `<name>:hang` it stops right there instead
(the event loop included, nothing is finished or closed), logs that it did, and waits to be
killed: a test then kills it with SIGKILL at that moment, the way an operator or the kernel's
OOM killer would. Unset in every real deployment.
"""

from __future__ import annotations

import logging
import os
import time

FAILPOINT_ENV = "MIJNOVERHEID_FAILPOINT"
FAILPOINT_EXIT_CODE = 86
HANG_SUFFIX = ":hang"
HANGING = "failpoint reached, hanging until killed"


def failpoint(name: str) -> None:
    chosen = os.environ.get(FAILPOINT_ENV)
    if chosen == name:
        os._exit(FAILPOINT_EXIT_CODE)
    if chosen == name + HANG_SUFFIX:
        logging.getLogger(__name__).warning(HANGING, extra={"failpoint": name})
        while True:  # blocks the whole process on purpose: frozen mid-work until killed
            time.sleep(3600)
