from __future__ import annotations

from datetime import timedelta

import pytest

from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid_testing.notifier import Notifier
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.smtp import ReceivedMail

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def system(platform: Platform) -> Platform:
    """Berichtenbox and Notifier as real processes, for the whole module."""
    await platform.start("berichtenbox", "notifier")
    return platform


def citizen_token(bsn: str) -> str:
    return mint_token(load_private_key(DEV_PRIVATE_KEY), bsn, timedelta(minutes=5))


def notification_mails(platform: Platform, address: str) -> list[ReceivedMail]:
    """Mails about a notification (they carry its Message-ID), not the verification mail."""
    return [mail for mail in platform.smtp.mails_to(address) if mail.message["Message-ID"]]


async def set_email(platform: Platform, bsn: str, address: str) -> None:
    """Through the real double opt-in: set the address, read the mailed code, confirm it."""
    process = next(p for p in platform.processes.values() if p.name == "notifier")
    await Notifier(platform, process).verified(bsn, address)
