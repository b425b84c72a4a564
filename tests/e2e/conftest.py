from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid.testing.platform import Platform

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def system(platform: Platform) -> Platform:
    """Berichtenbox and Notifier as real processes, for the whole module."""
    await platform.start("berichtenbox", "notifier")
    return platform


def citizen_token(bsn: str) -> str:
    return mint_token(load_private_key(DEV_PRIVATE_KEY), bsn, timedelta(minutes=5))


async def set_email(platform: Platform, bsn: str, address: str) -> None:
    notifier = next(p for p in platform.processes.values() if p.name == "notifier")
    async with httpx.AsyncClient(base_url=notifier.base_url) as client:
        response = await client.put(
            "/api/v1/contact-details",
            json={"email": address},
            headers={"Authorization": f"Bearer {citizen_token(bsn)}"},
        )
    response.raise_for_status()
