"""Fixtures: the Notifier as a real process against the real broker, FerretDB and SMTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from mijnoverheid_testing.notifier import Notifier, start_notifier
from mijnoverheid_testing.platform import Platform


@pytest.fixture(scope="module")
async def notifier(platform: Platform) -> Notifier:
    return await start_notifier(platform)


@pytest.fixture(scope="module")
def another_notifier(platform: Platform) -> Callable[..., Awaitable[Notifier]]:
    """Start one more Notifier with other settings, e.g. codes that expire at once."""

    async def start(**environment: str) -> Notifier:
        return await start_notifier(platform, **environment)

    return start
