"""Run a service as the real process it is in production, to crash and restart it at will."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

import httpx

from mijnoverheid_testing.smtp import free_port
from mijnoverheid_testing.waiting import wait_until

_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH")


class ServiceProcess:
    def __init__(self, name: str, environment: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.port = free_port("127.0.0.1")
        # Only what a process needs from ours: a stray setting (a failpoint, a dev flag) in
        # the developer's shell must not change what a test runs.
        inherited = {name: os.environ[name] for name in _INHERITED if name in os.environ}
        self.environment = {
            **inherited,
            **environment,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(self.port),
            # Tests run the local stack: its keys and plain connections (never production).
            "MIJNOVERHEID_ENVIRONMENT": environment.get("MIJNOVERHEID_ENVIRONMENT", "development"),
            "PREFETCH": environment.get("PREFETCH", "16"),
        }
        self.log_path = log_dir / f"{name}-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **extra_environment: str) -> ServiceProcess:
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", self.name],
            env={**self.environment, **extra_environment},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    async def ready(self, timeout: float = 60.0) -> None:
        async def answers() -> bool:
            if self._process is not None and self._process.poll() is not None:
                raise AssertionError(f"{self.name} exited early; log: {self.log_tail()}")
            try:
                async with httpx.AsyncClient() as client:
                    response = await client.get(f"{self.base_url}/ready", timeout=2.0)
            except httpx.HTTPError:
                return False
            return response.status_code == 200

        await wait_until(answers, timeout=timeout, what=f"{self.name} to be ready")

    async def exited(self, timeout: float = 30.0) -> int:
        process = self._process
        assert process is not None
        await wait_until(
            lambda: process.poll() is not None, timeout=timeout, what=f"{self.name} to exit"
        )
        return int(process.returncode)

    async def kill(self) -> None:
        """SIGKILL: the process ends at once, wherever it is (nothing finished or closed)."""
        assert self._process is not None, "never started"
        assert self._process.poll() is None, "not running"
        self._process.send_signal(signal.SIGKILL)
        assert await self.exited() == -signal.SIGKILL

    def log_lines(self) -> list[dict[str, Any]]:
        """The process's JSON log lines so far (other output skipped)."""
        if not self.log_path.exists():
            return []
        lines = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                lines.append(parsed)
        return lines

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._log is not None:
            self._log.close()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
