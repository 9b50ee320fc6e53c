"""``/api/v1/lienthong/...``: search, statistics, detail and result files of the mirror."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from hub.sdk import requires

from .files import download
from .messages import NO_DOSSIER, NO_FILE, NOT_CONFIGURED
from .search import Filters, row_view, search, stats

__all__ = ["build"]


def build(hub: Any) -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/lienthong",
        tags=["lienthong"],
        dependencies=[Depends(requires(hub.settings.api_keys, "viewer"))],
    )

    def filters(
        tu_ngay: date | None = None,
        den_ngay: date | None = None,
        ma_ho_so: str | None = None,
        ma_lien_thong: str | None = None,
        ten: str | None = None,
        so_giay_to: str | None = None,
        ma_tthc: str | None = None,
        trang_thai: int | None = Query(default=None, ge=1, le=10),
    ) -> Filters:
        return Filters(tu_ngay, den_ngay, ma_ho_so, ma_lien_thong, ten, so_giay_to, ma_tthc,
                       trang_thai)  # fmt: skip

    @router.get("/search")
    def search_route(
        f: Filters = Depends(filters),  # noqa: B008 - FastAPI's dependency idiom
        limit: int = Query(default=200, ge=1, le=1000),
    ) -> dict[str, Any]:
        return {"items": [row_view(d) for d in search(hub, f, limit=limit)]}

    @router.get("/stats")
    def stats_route(f: Filters = Depends(filters)) -> dict[str, Any]:  # noqa: B008
        return stats(hub, f)

    @router.get("/{ma_ho_so}")
    def detail(ma_ho_so: str) -> dict[str, Any]:
        found = list(search(hub, Filters(ma_ho_so=ma_ho_so), limit=1))
        if not found:
            raise HTTPException(status_code=404, detail=NO_DOSSIER())
        return row_view(found[0])

    @router.get("/{ma_ho_so}/files/{n}")
    async def file(ma_ho_so: str, n: int) -> Response:
        connector = hub.connectors.get("lienthong")
        if connector is None:
            raise HTTPException(status_code=503, detail=NOT_CONFIGURED())
        found = list(search(hub, Filters(ma_ho_so=ma_ho_so), limit=1))
        kept = (found[0].extra.get("lien_thong") or {}).get("files") or [] if found else []
        expected = kept[n - 1].get("sha256") if 1 <= n <= len(kept) else None
        content = await download(connector, ma_ho_so, n, sha256=expected)
        if content is None:
            raise HTTPException(status_code=404, detail=NO_FILE(n=n))
        return Response(content, media_type="application/pdf")

    return router
