"""Public catalogue search: ``GET /api/v1/catalog/search?q=…`` (the page makes the same call)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from zhengwu.catalog import search

router = Router(tags=["catalog-search"])


class SearchHitOut(Schema):
    kind: Literal["item", "bundle"]
    name: str
    code: str
    snippet: str
    score: float
    department: str


class SearchOut(Schema):
    query: str
    total: int
    hits: list[SearchHitOut]


class SearchParams(Schema):
    q: str
    department: int | None = None
    object: str | None = None
    online: bool | None = None
    cross_province: bool | None = None
    kind: Literal["item", "bundle"] | None = None
    limit: int = 10


@router.get("/search", response=SearchOut, auth=None, summary="搜索事项与一件事 / search")
def search_endpoint(request: HttpRequest, params: Query[SearchParams]) -> SearchOut:
    """Ranked hits over published items and bundles; ``snippet`` is HTML with ``<mark>``.

    ``q`` 1–100 characters (trimmed); ``object`` a service-object code (1–6); ``limit`` 1–50.
    """
    result = search.search_catalog(
        params.q,
        department=params.department,
        service_object=params.object,
        online=params.online,
        cross_province=params.cross_province,
        kind=params.kind,
        limit=params.limit,
    )
    return SearchOut(
        query=result.query,
        total=result.total,
        hits=[SearchHitOut(**hit.__dict__) for hit in result.hits],
    )
