"""``/api/v1/bcci/...``: VNPost shipments for operators (viewer role).

``GET /api/v1/bcci/orders`` lists shipments at their last tracked state (``attention=true``:
those an operator must act on); ``GET /api/v1/bcci/orders/{ma_ho_so}`` one dossier's
shipments and their history. ``lang=en`` gives English labels.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Query

from hub.sdk import RequestRefused, cursor_query, requires, text_path

from .messages import NO_SHIPMENT
from .views import history_row, shipment_row

__all__ = ["router"]


def router(hub: Any) -> APIRouter:
    api = APIRouter(
        prefix="/api/v1/bcci",
        tags=["bcci"],
        dependencies=[Depends(requires(hub.settings.api_keys, "viewer"))],
    )

    @api.get("/orders")
    async def orders(
        attention: bool = False,
        limit: int = Query(default=100, ge=1, le=1000),
        offset: int = cursor_query(),
        lang: str = Query(default="vi", pattern="^(vi|en)$"),
    ) -> dict[str, Any]:
        rows = await asyncio.to_thread(
            hub.shipments, "bcci", attention_only=attention, limit=limit, offset=offset
        )
        return {"items": [shipment_row(r, lang) for r in rows]}

    @api.get("/orders/{ma_ho_so}")
    async def one(
        ma_ho_so: str = text_path(), lang: str = Query(default="vi", pattern="^(vi|en)$")
    ) -> dict[str, Any]:
        rows = await asyncio.to_thread(hub.shipments, "bcci", ma_ho_so=ma_ho_so)
        if not rows:
            raise RequestRefused(NO_SHIPMENT(), code="not_found", loc="ma_ho_so")
        history = await asyncio.to_thread(hub.shipment_history, "bcci", ma_ho_so)
        return {
            "ma_ho_so": ma_ho_so,
            "shipments": [shipment_row(r, lang) for r in rows],
            "history": [history_row(u, lang) for u in history],
        }

    return api
