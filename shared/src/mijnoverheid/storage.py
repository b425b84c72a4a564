"""MongoDB access: one AsyncMongoClient per process, created at start-up, closed at shutdown."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]


def connect(url: str, app_name: str) -> AsyncMongoClient[Document]:
    # Majority write concern + journal: "stored" means it survives a crash.
    return AsyncMongoClient(
        url,
        appname=app_name,
        tz_aware=True,
        w="majority",
        journal=True,
        serverSelectionTimeoutMS=5_000,
    )


async def ping(database: AsyncDatabase[Document]) -> bool:
    try:
        await database.command("ping")
    except Exception:
        return False
    return True
