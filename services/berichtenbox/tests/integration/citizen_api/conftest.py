"""The citizen API tests' service process (one per module, retention scanning every second), an
HTTP client for it and the Belastingdienst as sender."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from mijnoverheid_testing.organisation import OrganisationClient
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess


@pytest.fixture(scope="module")
async def berichtenbox(platform: Platform) -> ServiceProcess:
    # A scan every second: the background job runs all along, and must leave fresh messages be.
    process = platform.service("berichtenbox").start(RETENTION_SCAN_SECONDS="1")
    await process.ready()
    return process


@pytest.fixture
async def api(berichtenbox: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=berichtenbox.base_url, timeout=30.0) as client:
        yield client


@pytest.fixture
async def belastingdienst(platform: Platform) -> AsyncIterator[OrganisationClient]:
    async with platform.client("belastingdienst") as client:
        yield client
