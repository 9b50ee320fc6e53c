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

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from hub.auth import Principal, mask_for
from hub.errors import HubError, error_body

__all__ = [
    "ERROR_RESPONSES", "ROUTERS", "document_errors", "error_response", "json_response",
    "person_response",
]

#: Modules whose ``build(hub)`` router the API includes, in order.
ROUTERS: list[str] = [
    "hub.routes.ops",
    "hub.routes.catalog",
    "hub.routes.dossiers",
    "hub.routes.reconcile",
    "hub.routes.lookups",
    "hub.console.routes",  # the operator console's pages under /console
]


#: The one error body, as a JSON Schema (``hub.errors.error_body``).
ERROR_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "type", "message_vi", "message_en"],
                "properties": {
                    "loc": {"type": "string"},
                    "type": {"type": "string"},
                    "message_vi": {"type": "string"},
                    "message_en": {"type": "string"},
                },
            },
        }
    },
}

_STATUSES: dict[int, str] = {
    400: "bad request: a control character in the path or query, a body that is not JSON",
    401: "no API key, or an unknown one",
    403: "the key lacks the role",
    404: "an unknown id, connector, dossier or path",
    409: "refused by a rule (a job's state, a repeated id or callback)",
    413: "the body is too large",
    422: "a parameter or body field out of its type or range (named in loc)",
    502: "the ministry refused or answered out of contract",
    503: "the ministry or the hub's worker is unavailable now; try again later",
}

#: Every refusal the API can answer on any operation, in the one error body; the
#: OpenAPI of every operation (a connector's too) declares them (:func:`document_errors`).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for status, description in _STATUSES.items()
}


def document_errors(
    app: FastAPI, bodies: Mapping[tuple[str, str], dict[str, Any]] | None = None
) -> None:
    """Declare :data:`ERROR_RESPONSES` on every operation of ``app``'s OpenAPI, routes
    of connector packages included (FastAPI's own 422 schema is replaced by ours).

    ``bodies``: (path, method) -> the JSON Schema of a body a route reads itself (its
    ``$defs`` go to the components)."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["ErrorBody"] = ERROR_BODY_SCHEMA
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, declared in ERROR_RESPONSES.items():
                    responses[str(status)] = declared
        for (path, method), body in (bodies or {}).items():
            body = dict(body)
            schemas.update(body.pop("$defs", {}))
            schema["paths"][path][method]["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": body}},
            }
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


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
