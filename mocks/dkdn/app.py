"""The dkdn mock server: serves exactly ``connectors/dkdn/contract/openapi.yaml``.

``GET /apiDKKD/...`` with the ``ApiKey`` header (``MockConfig.accept_key``; a wrong one
answers error_code 1). Each request's query parameters are checked against the
contract's (required, pattern): a violation is recorded and answered with error_code 2
naming the parameter. Faults come from :class:`hub.testing.mock.FaultMiddleware`;
``/_mock/`` is the admin API; a reset brings back the seeded records.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import connectors.dkdn
from hub.testing.mock import FaultMiddleware, MockConfig, Violation, admin_router, load_contract

from .state import KIND_OF_PATH, DkdnState

__all__ = ["CONTRACT_PATH", "create_app"]

CONTRACT_PATH = Path(connectors.dkdn.__file__).parent / "contract" / "openapi.yaml"
NOT_FOUND = {"error_code": "3", "message": "Không tìm thấy thông tin"}


def _parameter_rules(document: dict[str, Any]) -> dict[str, list[tuple[str, bool, str | None]]]:
    """path -> [(name, required, pattern)] of its GET's query parameters."""
    schemas = document["components"]["schemas"]
    rules: dict[str, list[tuple[str, bool, str | None]]] = {}
    for path, item in document["paths"].items():
        out = []
        for p in item.get("get", {}).get("parameters", []):
            schema = p.get("schema", {})
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
            out.append((p["name"], bool(p.get("required")), schema.get("pattern")))
        rules[path] = out
    return rules


def create_app(config: MockConfig | None = None) -> FastAPI:
    """A fresh dkdn mock holding the seeded businesses and dossiers."""
    config = config or MockConfig()
    contract = load_contract(CONTRACT_PATH)
    rules = _parameter_rules(contract.document)
    state = DkdnState(config)
    app = FastAPI(title="dkdn mock", docs_url=None, redoc_url=None)
    app.state.mock = state
    app.add_middleware(FaultMiddleware, injector=state.faults)
    app.include_router(admin_router(state))

    def violation(path: str, params: dict[str, str]) -> Violation | None:
        for name, required, pattern in rules[path]:
            value = params.get(name)
            if value is None:
                if required:
                    return Violation(path=path, field=name, error="is required")
                continue
            if pattern and re.match(pattern, value) is None:
                return Violation(path=path, field=name, error=f"does not match {pattern}")
        return None

    @app.get("/apiDKKD/{rest:path}")
    async def gateway(rest: str, request: Request) -> JSONResponse:
        state.journal.requests += 1
        path = f"/apiDKKD/{rest}"
        if path not in rules:
            return JSONResponse({"error_code": "2", "message": "Không có dịch vụ này"}, 404)
        if request.headers.get("ApiKey") != config.accept_key:
            return JSONResponse({"error_code": "1", "message": "ApiKey không hợp lệ"})
        params = dict(request.query_params)
        found = violation(path, params)
        if found is not None:
            state.journal.violation(found)
            return JSONResponse({"error_code": "2", "message": f"{found.field} {found.error}"})
        if path.endswith("KiemTraKetNoi"):
            return JSONResponse({"error_code": "0", "message": "OK", "data": {"PhienBan": "mock"}})
        if path in KIND_OF_PATH:
            answer = state.detail(path, params)
        else:
            answer = state.listing(path, params)
        if answer is None:
            return JSONResponse(NOT_FOUND)
        return JSONResponse({"error_code": "0", "message": "OK", **answer})

    return app
