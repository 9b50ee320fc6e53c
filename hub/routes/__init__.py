"""API routers, one module per feature, each exposing ``build(hub) -> fastapi.APIRouter``.

``hub.api.create_app`` includes every module named in :data:`ROUTERS`.
"""

from __future__ import annotations

#: Modules whose ``build(hub)`` router the API includes, in order.
ROUTERS: list[str] = [
    "hub.routes.ops",
    "hub.routes.catalog",
    "hub.routes.dossiers",
    "hub.routes.reconcile",
]
