"""A TCP proxy between one service and the broker or the database, with network trouble on
command: latency (every chunk held back, order kept, throughput not capped) and a cut (a black
hole: connections stay open, nothing passes, as when a link or a firewall drops packets; only
heartbeats and timeouts can tell).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from mijnoverheid_testing.smtp import free_port

_CHUNK = 65536
_EOF = b""


class FaultyProxy:
    def __init__(self, name: str, target_host: str, target_port: int) -> None:
        self.name = name
        self.target = (target_host, target_port)
        self.port = free_port("127.0.0.1")
        self.latency = 0.0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def cut(self) -> bool:
        return not self._flowing.is_set()

    async def start(self) -> FaultyProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    def cut_off(self) -> None:
        """Nothing passes any more, in either direction; connections are not closed."""
        self._flowing.clear()

    def heal(self) -> None:
        """Traffic flows again; what was held back is delivered, in order."""
        self._flowing.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._flowing.wait()  # a cut link accepts nothing (the SYN is lost)
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, upstream_writer})
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read as fast as the sender sends; deliver each chunk `latency` seconds after it
        arrived, and only while the link is not cut."""
        held: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        deliver = asyncio.create_task(self._deliver(held, writer))
        try:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await reader.read(_CHUNK):
                    held.put_nowait((time.monotonic(), data))
        finally:
            held.put_nowait((time.monotonic(), _EOF))
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, OSError):
                await deliver

    async def _deliver(
        self, held: asyncio.Queue[tuple[float, bytes]], writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                arrived, data = await held.get()
                delay = arrived + self.latency - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                await self._flowing.wait()
                if data == _EOF:
                    break
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
            self._writers.discard(writer)


class ProxyGroup:
    """One link to a server of one or more nodes (a service and a RabbitMQ cluster): a proxy
    per node, troubled together, so that a cut leaves no node to fail over to."""

    def __init__(self, name: str, targets: list[tuple[str, int]]) -> None:
        self.name = name
        self.members = [
            FaultyProxy(f"{name}-{index}", host, port)
            for index, (host, port) in enumerate(targets, start=1)
        ]

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """Where to connect instead of the nodes, in the nodes' order."""
        return [("127.0.0.1", member.port) for member in self.members]

    @property
    def latency(self) -> float:
        return self.members[0].latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        for member in self.members:
            member.latency = seconds

    async def start(self) -> ProxyGroup:
        for member in self.members:
            await member.start()
        return self

    async def close(self) -> None:
        for member in self.members:
            await member.close()

    def cut_off(self) -> None:
        for member in self.members:
            member.cut_off()

    def heal(self) -> None:
        for member in self.members:
            member.heal()
