"""``/api/v1/lienthong/...``: search, statistics, detail and result files of the mirror."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response

from hub.sdk import ApiDate, Principal, mask_for, requires, text_path, text_query

from .files import download
from .messages import NO_DOSSIER, NO_FILE, NOT_CONFIGURED
from .search import Filters, row_view, search, stats

__all__ = ["build"]


def build(hub: Any) -> APIRouter:
    viewer = Depends(requires(hub.settings.api_keys, "viewer"))
    router = APIRouter(prefix="/api/v1/lienthong", tags=["lienthong"], dependencies=[viewer])

    def filters(
        tu_ngay: ApiDate | None = Query(None, description="YYYY-MM-DD, 1900-01-01 .. 2100-12-31"),
        den_ngay: ApiDate | None = Query(None, description="YYYY-MM-DD, 1900-01-01 .. 2100-12-31"),
        ma_ho_so: str | None = text_query(),
        ma_lien_thong: str | None = text_query(),
        ten: str | None = text_query(),
        so_giay_to: str | None = text_query(),
        ma_tthc: str | None = text_query(),
        trang_thai: int | None = Query(default=None, ge=1, le=10),
    ) -> Filters:
        if tu_ngay and den_ngay and tu_ngay > den_ngay:
            raise HTTPException(status_code=422, detail="tu_ngay is after den_ngay")
        return Filters(tu_ngay, den_ngay, ma_ho_so, ma_lien_thong, ten, so_giay_to, ma_tthc,
                       trang_thai)  # fmt: skip

    @router.get("/search")
    def search_route(
        f: Filters = Depends(filters),  # noqa: B008 - FastAPI's dependency idiom
        limit: int = Query(default=200, ge=1, le=1000),
        who: Principal = viewer,
    ) -> dict[str, Any]:
        rows = [row_view(d, mask_id=False) for d in search(hub, f, limit=limit)]
        return mask_for(who, {"items": rows})

    @router.get("/stats")
    def stats_route(f: Filters = Depends(filters)) -> dict[str, Any]:  # noqa: B008
        return stats(hub, f)

    @router.get("/{ma_ho_so}")
    def detail(ma_ho_so: str = text_path(), who: Principal = viewer) -> dict[str, Any]:
        found = list(search(hub, Filters(ma_ho_so=ma_ho_so), limit=1))
        if not found:
            raise HTTPException(status_code=404, detail=NO_DOSSIER())
        return mask_for(who, row_view(found[0], mask_id=False))

    @router.get("/{ma_ho_so}/files/{n}")
    async def file(ma_ho_so: str = text_path(), n: int = Path(ge=1, le=10_000)) -> Response:
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
