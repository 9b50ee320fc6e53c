"""``/api/v1/lookups``: every connector's named queries (:mod:`hub.lookups`), one surface.

``GET /api/v1/lookups`` lists what exists, with parameters and columns;
``GET /api/v1/lookups/{connector}/{query}?param=...&page=&page_size=`` answers one,
from the cache when fresh, rate limited per connector, behind the breaker the worker
uses for pushes, and with ``stale`` and a notice when the ministry is unavailable and
the last answer is served. Errors are raised (the API's handler answers with the one
error body): a parameter at fault is named in ``loc``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Query, Request

from hub.auth import Principal, mask_for, requires
from hub.lookup_service import LookupService
from hub.params import text_path

if TYPE_CHECKING:
    from hub.service import Hub

__all__ = ["build", "lookup_service"]

#: Query-string names that are paging, not the query's own parameters.
PAGING = ("page", "page_size")


def lookup_service(hub: Hub) -> LookupService:
    """The hub's one look-up service (its cache), sharing the worker's breakers."""
    service = getattr(hub, "_lookup_service", None)
    if service is None:
        service = LookupService(hub.connectors, hub.worker.circuits)
        hub._lookup_service = service  # type: ignore[attr-defined]
    return service


def build(hub: Hub) -> APIRouter:
    router = APIRouter(prefix="/api/v1/lookups", tags=["lookups"])
    viewer = Depends(requires(hub.settings.api_keys, "viewer"))
    service = lookup_service(hub)

    @router.get("", dependencies=[viewer])
    async def list_lookups() -> dict[str, Any]:
        return {"connectors": service.catalog()}

    @router.get("/{connector}/{query}", dependencies=[viewer])
    async def run_lookup(
        request: Request,
        connector: str = text_path(),
        query: str = text_path(),
        page: int = Query(1, ge=1, le=1_000_000),
        page_size: int = Query(50, ge=1, le=500),
        who: Principal = viewer,
    ) -> dict[str, Any]:
        raw = {k: v for k, v in request.query_params.items() if k not in PAGING}
        answer = await service.run(connector, query, raw, page=page, page_size=page_size)
        # Rows can name a person (the owner of a dossier, a business's representative).
        return mask_for(who, answer.to_json())

    return router
