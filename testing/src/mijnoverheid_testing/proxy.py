"""A TCP proxy that a test can switch off and on, to take a real server away and back."""

from __future__ import annotations

import asyncio
import contextlib

from mijnoverheid_testing.smtp import free_port


class SwitchableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port("127.0.0.1")
        self.up = False
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> SwitchableProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *_: object) -> None:
        self.switch_off()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def switch_on(self) -> None:
        self.up = True

    def switch_off(self) -> None:
        """Refuse new connections and cut the open ones, as a crashed server would."""
        self.up = False
        for writer in list(self._connections):
            writer.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        try:
            target_reader, target_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._connections.update({writer, target_writer})
        await asyncio.gather(self._pipe(reader, target_writer), self._pipe(target_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()
        self._connections.discard(writer)
