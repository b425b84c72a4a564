"""The local FerretDB reads PostgreSQL's results through large socket receive buffers.

With the kernel's default buffer a long result (a citizen's 237 messages) closed the TCP window
while FerretDB decoded it, and the stream sometimes resumed only after a 200 ms timer;
tools/ferretdb/postgresql-receive-buffer.patch gives every connection to PostgreSQL a large
buffer where the kernel grants one. This test reads the buffer sizes of the running store's
connections with `ss`; it applies to the local FerretDB on PostgreSQL only (not to SQLite or a
MongoDB server).
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mijnoverheid.storage import connect
from mijnoverheid_testing.stack import Stack

pytestmark = pytest.mark.integration

REQUESTED = 8 << 20  # what the patch asks for


def granted() -> int:
    """What Linux grants for REQUESTED: capped at net.core.rmem_max, then doubled."""
    limit = int(Path("/proc/sys/net/core/rmem_max").read_text())
    return 2 * min(limit, REQUESTED)


def _ss(*arguments: str) -> str:
    return subprocess.run(
        [shutil.which("ss") or "ss", "-Htn", *arguments], capture_output=True, text=True, check=True
    ).stdout


def _ferretdb_on_postgresql(port: int) -> tuple[int, int] | None:
    """The pid of the local FerretDB listening on `port` and its PostgreSQL's port, if the
    store is FerretDB on PostgreSQL."""
    found = re.search(r"pid=(\d+)", _ss("-lp", f"sport = :{port}"))
    if not found:
        return None
    pid = int(found.group(1))
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return None
    values = [arg.split("=", 1)[-1] for arg in command]  # `--flag value` or `--flag=value`
    urls = [urlsplit(v) for v in values if v.startswith(("postgres://", "postgresql://"))]
    if not command[0].endswith("ferretdb") or not urls or not urls[0].hostname:
        return None  # not FerretDB on PostgreSQL over TCP (a Unix socket has no port to watch)
    return pid, urls[0].port or 5432


async def test_connections_to_postgresql_have_large_receive_buffers(stack: Stack) -> None:
    if shutil.which("ss") is None:
        pytest.skip("no `ss` (iproute2) to read socket buffers with")
    port = urlsplit(stack.mongodb_url).port or 27017
    store = _ferretdb_on_postgresql(port)
    if store is None:
        pytest.skip("the store is not the local FerretDB on PostgreSQL over TCP")
    if granted() < REQUESTED // 2:
        pytest.skip("this kernel caps receive buffers low; the patch leaves them autotuned")
    pid, postgresql_port = store
    client = connect(stack.mongodb_url, "test-store-connections")
    try:
        await client["store-connections"].command("ping")
        await client["store-connections"]["probe"].find_one({"_id": "opens a connection"})
    finally:
        await client.close()

    # Two lines per socket: addresses and process, then its memory (`rb`: receive buffer).
    sockets = _ss("-mp", "state", "established", f"dport = :{postgresql_port}").split("\n")
    receive_buffers = [
        int(size)
        for line, memory in itertools.pairwise(sockets)
        if f"pid={pid}," in line
        for size in re.findall(r"\brb(\d+)", memory)
    ]
    assert receive_buffers, "found no connection from the store to PostgreSQL"
    # Exactly what was set: an autotuned buffer may grow large too, but not to this size.
    assert set(receive_buffers) == {granted()}, receive_buffers
