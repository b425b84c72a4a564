"""The served OpenAPI documents say what the routes really answer.

Every operation of every service is called as an integrator would get it wrong: without a
token, with a token of a citizen who has nothing, with an id that does not exist, with an
invalid query or body. Whatever status comes back must be documented for that operation, and
no operation documents FastAPI's 422 (the services answer 400 problems).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform

pytestmark = pytest.mark.integration

SERVICES = ("berichtenbox", "zaken", "gegevens", "notifier")
METHODS = ("get", "put", "post", "delete")
_PARAMETER = re.compile(r"\{(\w+)\}")

Operation = tuple[str, str, str, dict[str, Any]]  # service, method, path, operation


@pytest.fixture(scope="module")
async def documents(platform: Platform) -> dict[str, tuple[str, dict[str, Any]]]:
    started = await platform.start(*SERVICES)
    found = {}
    async with httpx.AsyncClient() as client:
        for name, process in started.items():
            response = await client.get(f"{process.base_url}/api/v1/openapi.json")
            response.raise_for_status()
            found[name] = (process.base_url, response.json())
    return found


def _operations(documents: dict[str, tuple[str, dict[str, Any]]]) -> list[Operation]:
    return [
        (service, method, path, operation)
        for service, (_, document) in documents.items()
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in METHODS
    ]


def _concrete(path: str, operation: dict[str, Any]) -> str:
    """The path with an id that exists nowhere (a number where the parameter is one)."""

    def value(match: re.Match[str]) -> str:
        parameter = next(p for p in operation.get("parameters", []) if p["name"] == match[1])
        return "0" if parameter["schema"].get("type") == "integer" else "does-not-exist"

    return _PARAMETER.sub(value, path)


async def test_no_operation_documents_422(
    documents: dict[str, tuple[str, dict[str, Any]]],
) -> None:
    operations = _operations(documents)
    assert len(operations) > 15
    with_422 = [f"{s} {m} {p}" for s, m, p, op in operations if "422" in op["responses"]]
    assert not with_422


async def test_every_answer_a_route_gives_is_documented(
    documents: dict[str, tuple[str, dict[str, Any]]],
) -> None:
    token = mint_token(load_private_key(DEV_PRIVATE_KEY), random_bsn(), timedelta(minutes=5))
    citizen = {"Authorization": f"Bearer {token}"}
    undocumented: list[str] = []
    uncached: list[str] = []  # every answer may be personal: none may be cached
    async with httpx.AsyncClient(timeout=10.0) as client:
        for service, method, path, operation in _operations(documents):
            base_url, _ = documents[service]
            url = base_url + _concrete(path, operation)
            has_query = any(p["in"] == "query" for p in operation.get("parameters", []))
            attempts: list[tuple[str, dict[str, Any]]] = [
                ("without a token", {}),
                ("with a token", {"headers": citizen}),
            ]
            if has_query:
                attempts.append(("with page=0", {"headers": citizen, "params": {"page": 0}}))
                # Once a 500: skip overflowed the database's 64-bit integers.
                huge = {"page": 10**19}
                attempts.append(("with a huge page", {"headers": citizen, "params": huge}))
            if "requestBody" in operation:
                attempts.append(("with an empty body", {"headers": citizen, "json": {}}))
            for what, arguments in attempts:
                response = await client.request(method.upper(), url, **arguments)
                if str(response.status_code) not in operation["responses"]:
                    undocumented.append(f"{service} {method} {path} {what}: {response.status_code}")
                if what == "without a token" and "security" in operation:
                    assert response.status_code == 401, f"{service} {method} {path}"
                if what == "with a huge page" and "page" in str(operation.get("parameters")):
                    assert response.status_code == 400, f"{service} {method} {path}"
                if response.headers.get("cache-control") != "no-store":
                    uncached.append(f"{service} {method} {path} {what}")
    assert not undocumented, "\n".join(undocumented)
    assert not uncached, "\n".join(uncached)
