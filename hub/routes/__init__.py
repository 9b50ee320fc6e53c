"""API routers, one module per feature, each exposing ``build(hub) -> fastapi.APIRouter``.

``hub.api.create_app`` includes every module named in :data:`ROUTERS`, and the routers
connector packages declare (``tthc_hub.routes`` entry points).

Errors: a route raises a :class:`hub.errors.HubError` (``RequestRefused`` for an
unknown id or a bad parameter, ``ActionRefused`` for a rule) and the API's handler
answers with :func:`error_response`: the one body (:func:`hub.errors.error_body`) and
the status the error's class carries. FastAPI's own refusals (a bad parameter, a
missing key or role, an unknown path) are answered in the same shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse

from hub.auth import Principal, mask_for
from hub.errors import HubError, error_body

__all__ = ["ROUTERS", "error_response", "json_response", "person_response"]

#: Modules whose ``build(hub)`` router the API includes, in order.
ROUTERS: list[str] = [
    "hub.routes.ops",
    "hub.routes.catalog",
    "hub.routes.dossiers",
    "hub.routes.reconcile",
    "hub.routes.lookups",
    "hub.console.routes",  # the operator console's pages under /console
]


def json_response(data: Any, status: int = 200) -> JSONResponse:
    """``data`` as JSON; datetimes and other values JSON lacks as their ``str``."""
    return JSONResponse(json.loads(json.dumps(data, default=str)), status_code=status)


def person_response(data: Any, who: Principal, status: int = 200) -> JSONResponse:
    """An answer that carries personal data (a dossier, an inbox item, an update, a job's
    or an audit entry's free text): as :func:`json_response`, masked for ``who`` unless it
    holds ``payload-viewer`` (:func:`hub.auth.mask_for`; docs/personal-data.md)."""
    return JSONResponse(mask_for(who, json.loads(json.dumps(data, default=str))), status)


def error_response(
    *errors: HubError | Mapping[str, Any],
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The API's answer to refused request: the body of :func:`hub.errors.error_body`,
    with ``status`` or else the first error's own (its class's ``http_status``)."""
    if status is None:
        status = next((e.status for e in errors if isinstance(e, HubError)), 422)
    return JSONResponse(error_body(*errors), status_code=status, headers=dict(headers or {}))
