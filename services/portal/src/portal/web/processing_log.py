"""Wie heeft mijn gegevens ingezien (who viewed my data): the processing log of every service,
the citizen's own copy, on one page, newest first.

Each service keeps the records of its own reads (`GET /api/v1/processing-log`); the portal
merges them. Page p shows the records p·20-19 … p·20 of the merged list, so it asks each
service for its newest p·20 (at most MAX_PAGE pages deep: the records further back are there,
but a citizen who needs them all asks for the export of their records).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.backends import Backend
from portal.web.context import LoggedIn, PortalDep
from portal.web.pages import page_number

router = APIRouter()
PATH = "/wie-heeft-mijn-gegevens-ingezien"
PAGE_SIZE = 20
MAX_PAGE = 25
SERVICE_PAGE = 100  # the services' largest page


async def newest(backend: Backend, bsn: str, party: str, wanted: int) -> tuple[list[Any], int]:
    """A service's newest `wanted` records of this party group, and how many it has."""
    found: list[Any] = []
    total, page = 0, 1
    while len(found) < wanted:
        size = min(SERVICE_PAGE, wanted)
        answer = await backend.get(
            "/api/v1/processing-log", bsn, party=party, page=page, page_size=size
        )
        found += [{**item, "service": backend.name} for item in answer["items"]]
        total = int(answer["total"])
        if answer["_links"]["next"] is None:
            break
        page += 1
    return found[:wanted], total


@router.get(PATH)
async def processing_log(request: Request, portal: PortalDep, who: LoggedIn) -> Response:
    _, citizen = who
    page = min(page_number(request), MAX_PAGE)
    own = request.query_params.get("wie") == "uzelf"
    party = "self" if own else "others"
    backends = portal.backends
    services = (backends.berichtenbox, backends.zaken, backends.gegevens, backends.notifier)
    answers = await asyncio.gather(
        *(newest(backend, citizen.bsn, party, page * PAGE_SIZE) for backend in services)
    )
    merged = sorted(
        (item for items, _ in answers for item in items),
        key=lambda item: str(item["ended_at"]),
        reverse=True,
    )
    shown = merged[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    for item in shown:
        oin = item["party"]["oin"]
        organisation = portal.registry.by_oin(oin) if oin else None
        item["party_name"] = organisation.name if organisation else oin
    total = sum(count for _, count in answers)
    return portal.renderer.page(
        request,
        "processing_log.html",
        records=shown,
        own=own,
        page=page,
        has_next=total > page * PAGE_SIZE and page < MAX_PAGE,
        query="wie=uzelf&" if own else "",
    )
