"""Conventions of the citizen HTTP APIs (NL API Design Rules): paging with links, and the
problem+json answers every route documents."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mijnoverheid.problems import PROBLEM_JSON

ItemT = TypeVar("ItemT")

MAX_PAGE_SIZE = 100
# Far beyond any citizen's history (a million items at the largest page size), and far from
# where skip would overflow the database's 64-bit integers.
MAX_PAGE = 10_000


class PageLinks(BaseModel):
    self: str
    next: str | None = None
    prev: str | None = None


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    page: int
    page_size: int
    total: int
    links: PageLinks = Field(alias="_links")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Paging(BaseModel):
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.page_size


PagingQuery = Annotated[Paging, Query()]


def page_of(request: Request, paging: Paging, items: list[ItemT], total: int) -> Page[ItemT]:
    def link(page: int) -> str:
        return str(request.url.include_query_params(page=page, page_size=paging.page_size))

    has_next = paging.skip + len(items) < total
    return Page[ItemT](
        items=items,
        page=paging.page,
        page_size=paging.page_size,
        total=total,
        links=PageLinks(
            self=link(paging.page),
            next=link(paging.page + 1) if has_next else None,
            prev=link(paging.page - 1) if paging.page > 1 else None,
        ),
    )


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


Responses = dict[int | str, dict[str, Any]]


def problem(status: int, description: str) -> Responses:
    """An error answer as the OpenAPI document shows it."""
    schema = Problem.model_json_schema()
    return {status: {"description": description, "content": {PROBLEM_JSON: {"schema": schema}}}}


UNAUTHORIZED = problem(401, "no valid bearer token")
INVALID = problem(400, "invalid query or body")
PERSONAL = {"Cache-Control": "no-store"}  # responses with personal data are never cached


class NeverCached:
    """Every answer of a service says `Cache-Control: no-store` unless its route says
    otherwise: a route that forgets is not cached (errors and redirects included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_never_cached(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_never_cached)


def with_problem_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document as the services really answer: an invalid request is a 400
    problem (never FastAPI's 422), a request without a valid token a 401 problem."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            invalid_input = responses.pop("422", None) is not None
            if invalid_input or operation.get("parameters") or operation.get("requestBody"):
                responses.setdefault("400", INVALID[400])
            if operation.get("security"):
                responses.setdefault("401", UNAUTHORIZED[401])
    schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
    schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
    return schema
