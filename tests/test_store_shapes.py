"""Every lookup the services make on a hot path or for a citizen is served by an index of the
store, with the services' own indexes (and, on FerretDB with PostgreSQL, the GIN companions our
patch creates beside them): so its cost does not grow with the store.

The shapes are those the adapters send (docs/performance.md lists them); the store's own
`explain` says how it reads each. FerretDB on SQLite serves only an exact `_id` (measured, see
docs/performance.md): there, only that shape is held to it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from berichtenbox.adapters.messages import listing_filter
from berichtenbox.app import create_indexes as berichtenbox_indexes
from berichtenbox.domain.mailbox import ListingCriteria
from gegevens.adapters.mongo import create_indexes as gegevens_indexes
from mijnoverheid.storage import Document, connect
from mijnoverheid_testing.stack import Stack
from notifier.app import create_indexes as notifier_indexes
from tests.test_store_index import access_paths, index_served
from zaken.adapters.mongo import create_indexes as zaken_indexes

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ROWS = 3000  # enough rows that a planner prefers an index it can use

# (service, collection, a document of the shape stored, the filter a lookup sends)
SHAPES: list[tuple[str, str, Callable[[int], Document], Document]] = [
    (
        "berichtenbox",
        "messages",
        lambda n: {"recipient_bsn": f"b{n % 500}", "gone": False, "unread": n % 2 == 0,
                   "expires_at": NOW, "expiry_unit": f"u{n % 700}", "warning_unit": f"w{n % 700}"},
        listing_filter("b7", ListingCriteria(unread=True), NOW),
    ),
    ("berichtenbox", "messages", lambda n: {"expiry_unit": f"u{n % 700}"}, {"expiry_unit": "u7"}),
    ("berichtenbox", "messages", lambda n: {"warning_unit": f"w{n % 700}"}, {"warning_unit": "w7"}),
    ("berichtenbox", "messages", lambda n: {"reminder_unit": f"r{n % 700}"},
     {"reminder_unit": "r7"}),
    ("berichtenbox", "trail", lambda n: {"message_id": f"m{n // 5}", "cause": f"c{n % 5}"},
     {"message_id": "m7"}),
    ("berichtenbox", "trail", lambda n: {"message_id": f"m{n // 5}", "cause": f"c{n % 5}"},
     {"message_id": "m7", "cause": "c1"}),
    ("zaken", "case_listing", lambda n: {"bsn": f"b{n % 500}", "withdrawn": False},
     {"bsn": "b7", "withdrawn": False}),
    ("zaken", "case_statuses", lambda n: {"organisation_oin": "o", "identificatie": f"i{n}"},
     {"organisation_oin": "o", "identificatie": "i7"}),
    ("gegevens", "registration_versions",
     lambda n: {"recipient_bsn": f"b{n % 500}", "registration_id": f"r{n // 2}",
                "event_source": "s", "event_id": f"e{n}"},
     {"recipient_bsn": "b7"}),
    ("gegevens", "registration_versions",
     lambda n: {"recipient_bsn": f"b{n % 500}", "registration_id": f"r{n // 2}",
                "event_source": "s", "event_id": f"e{n}"},
     {"registration_id": "r7"}),
    ("notifier", "notifications",
     lambda n: {"overdue_unit": f"u{n % 700}", "trigger_source": "s", "trigger_event_id": f"t{n}",
                "organisation_oin": "o", "message_id": f"m{n}"},
     {"overdue_unit": "u7"}),
    ("notifier", "notifications",
     lambda n: {"overdue_unit": f"u{n % 700}", "trigger_source": "s", "trigger_event_id": f"t{n}",
                "organisation_oin": "o", "message_id": f"m{n}"},
     {"organisation_oin": "o", "message_id": "m7"}),
    ("notifier", "notification_status_changes",
     lambda n: {"notification_id": f"n{n // 3}", "version": n % 3}, {"notification_id": "n7"}),
]  # fmt: skip

INDEXES: dict[str, Callable[[AsyncDatabase[Document]], Awaitable[None]]] = {
    "berichtenbox": berichtenbox_indexes,
    "zaken": zaken_indexes,
    "gegevens": gegevens_indexes,
    "notifier": notifier_indexes,
}


@pytest.fixture(scope="module")
async def store(stack: Stack) -> AsyncIterator[dict[str, Any]]:
    client = connect(stack.mongodb_url, "test-store-shapes")
    suffix = uuid.uuid4().hex[:8]
    databases = {service: client[f"shapes-{service}-{suffix}"] for service in INDEXES}
    for service, create in INDEXES.items():
        await create(databases[service])
    filled: set[tuple[str, str]] = set()
    for service, collection, document, _ in SHAPES:
        if (service, collection) not in filled:
            rows = [{"_id": f"{collection}-{n}", **document(n)} for n in range(ROWS)]
            await databases[service][collection].insert_many(rows)
            filled.add((service, collection))
    backend = await _backend(databases["berichtenbox"])
    try:
        yield {"databases": databases, "backend": backend}
    finally:
        for database in databases.values():
            await client.drop_database(database.name)
        await client.close()


async def _backend(database: AsyncDatabase[Document]) -> str:
    explain = await database.command(
        {"explain": {"find": "messages", "filter": {"_id": "x"}}, "verbosity": "queryPlanner"}
    )
    plan = explain.get("queryPlanner", {})
    if "winningPlan" in plan:
        return "mongodb"
    return "sqlite" if isinstance(plan.get("Plan"), list) else "postgresql"


@pytest.mark.parametrize(
    ("service", "collection", "query"),
    [(service, collection, query) for service, collection, _, query in SHAPES],
    ids=[f"{collection}:{','.join(query)}" for _, collection, _, query in SHAPES],
)
async def test_each_lookup_of_the_services_is_index_served(
    store: dict[str, Any], service: str, collection: str, query: Document
) -> None:
    if store["backend"] == "sqlite":
        pytest.skip("FerretDB on SQLite serves only an exact _id: docs/performance.md")
    database = store["databases"][service]
    explain = await database.command(
        {"explain": {"find": collection, "filter": query}, "verbosity": "queryPlanner"}
    )
    paths = access_paths(explain)
    assert index_served(paths), f"{collection} {query} is not index-served: {paths}"
