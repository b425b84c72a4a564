"""The test support's service processes die with the test run that started them, even when it
is killed without a chance to clean up (a timeout, kill -9): no service is left holding ports,
connections and queues for the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

PARENT = """
import subprocess, sys, time
from mijnoverheid_testing.services import _die_with_the_test_run
child = subprocess.Popen(["sleep", "120"], preexec_fn=_die_with_the_test_run)
print(child.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"  # a zombie is dead, waiting for its reaper
    except FileNotFoundError:
        return False


def test_a_service_dies_when_its_test_run_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _alive(child)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the service outlived the test run"
