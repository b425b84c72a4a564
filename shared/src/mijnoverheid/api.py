"""Conventions of the citizen HTTP APIs (NL API Design Rules): paging with links."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict, Field

ItemT = TypeVar("ItemT")

MAX_PAGE_SIZE = 100


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
    page: int = Field(default=1, ge=1)
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
