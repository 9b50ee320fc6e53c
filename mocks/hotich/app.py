"""The hộ tịch mock server: serves exactly ``connectors/hotich/contract/openapi.yaml``.

Each app keeps its own state in ``app.state.mock`` (a :class:`HotichState`).
Requests are validated against the contract, and the ``data`` JSON text against
the module's schema (``DataLTKS`` / ``DataLTKT`` / ``DataLTKH``); faults are
injected by :class:`hub.testing.mock.faults.FaultMiddleware`; the admin API under
``/_mock/`` is described in ``docs/mocks.md``, plus ``POST /_mock/decide``
(see :mod:`mocks.hotich.state`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import ClientDisconnect

import connectors.hotich
from hub.testing.mock import (
    Contract,
    FaultMiddleware,
    MockConfig,
    Violation,
    admin_router,
    load_contract,
)

from .state import HotichState

__all__ = ["CONTRACT_PATH", "MockConfig", "create_app"]

CONTRACT_PATH = Path(connectors.hotich.__file__).parent / "contract" / "openapi.yaml"
PREFIX = "/api/hotich/"
WRITES = frozenset({"NhanDKHT"})


class Decision(BaseModel):
    """``POST /_mock/decide``: the outcome of one dossier."""

    model_config = ConfigDict(extra="forbid")

    maHoSoMCDT: str
    trangThai: str = Field(pattern=r"^[12346]$")
    ghiChu: str = ""
    hanBoSungHoSo: str = ""
    now: bool = False


def _invalid(violation: Violation) -> dict[str, Any]:
    where = violation.field or "(body)"
    return {
        "status": "0",
        "statusDescription": "Thất bại",
        "errorCode": "INVALID",
        "errorDescription": f"Dữ liệu không hợp lệ: {where} {violation.error}",
    }


def _data_contract(contract: Contract) -> Contract:
    """Validators for the ``data`` text of each module, from the contract's components."""
    paths = {
        f"/data/{module}": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/Data{module}"}
                        }
                    }
                }
            }
        }
        for module in ("LTKS", "LTKT", "LTKH")
    }
    return Contract(
        {"openapi": "3.1.0", "paths": paths, "components": contract.document["components"]}
    )


def create_app(config: MockConfig | None = None, *, advance: str = "poll") -> FastAPI:
    """A fresh hộ tịch mock.

    :param config: the api-key (``accept_key``), initial faults and seeding.
    :param advance: ``poll``, ``seconds:N`` or ``manual`` (see :mod:`mocks.hotich.state`).
    """
    config = config or MockConfig()
    contract = load_contract(CONTRACT_PATH)
    data_contract = _data_contract(contract)
    state = HotichState(config, advance=advance)
    app = FastAPI(title="Hộ tịch mock (Bộ Tư pháp)", docs_url=None, redoc_url=None)
    app.state.mock = state
    app.add_middleware(FaultMiddleware, injector=state.faults)
    app.include_router(admin_router(state))

    @app.post("/_mock/decide")
    async def decide(body: Decision) -> dict[str, Any]:
        value = state.decide(body.model_dump())
        if value is None:
            raise HTTPException(status_code=404, detail="no such record")
        return value

    @app.post(PREFIX + "{operation}")
    async def operation(operation: str, request: Request) -> Response:
        if operation not in ("NhanDKHT", "LayKetQua"):
            return JSONResponse({"detail": "not found"}, status_code=404)
        journal = state.journal
        journal.requests += 1
        path = PREFIX + operation
        try:
            body = json.loads(await request.body())
        except ClientDisconnect:
            return Response(status_code=499)
        except ValueError:
            body = None
        if request.headers.get("api-key") != state.config.accept_key:
            return JSONResponse(
                {
                    "status": "0",
                    "statusDescription": "Thất bại",
                    "errorCode": "AUTH",
                    "errorDescription": "api-key không hợp lệ",
                }
            )
        if not isinstance(body, dict):
            not_object = Violation(path=path, field="", error="must be a JSON object")
            journal.violation(not_object)
            return JSONResponse(_invalid(not_object))
        violation = contract.validate(path, body)
        if violation is not None:
            journal.violation(violation)
            return JSONResponse(_invalid(violation))
        if operation == "LayKetQua":
            return JSONResponse(state.lay_ket_qua(body))
        try:
            data = json.loads(body["data"])
        except ValueError:
            data = None
        data_path = f"/data/{body['module']}"
        bad = (
            Violation(path=path, field="data", error="must be a JSON object")
            if not isinstance(data, dict)
            else data_contract.validate(data_path, data)
        )
        if bad is not None:
            bad = Violation(path=path, field=f"data.{bad.field}".rstrip("."), error=bad.error)
            journal.violation(bad)
            return JSONResponse(_invalid(bad))
        key = request.headers.get("Idempotency-Key")
        stored = journal.replay(key)
        if stored is not None:
            return JSONResponse(stored)
        answer = state.nhan_dkht(body, data, key)
        journal.remember(key, answer)
        return JSONResponse(answer)

    return app
