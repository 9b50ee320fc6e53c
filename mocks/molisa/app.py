"""The MOLISA mock server: serves exactly ``connectors/molisa/contract/openapi.yaml``.

Each app keeps its own state in ``app.state.mock`` (a :class:`MolisaState`), so
two apps in one process are independent. Requests are validated against the
contract; faults are injected by :class:`hub.testing.mock.faults.FaultMiddleware`;
the admin API under ``/_mock/`` is described in ``docs/mocks.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import ClientDisconnect

import connectors.molisa
from hub.testing.mock import FaultMiddleware, MockConfig, Violation, admin_router, load_contract

from .state import MolisaState, now_vn

__all__ = ["CONTRACT_PATH", "MockConfig", "create_app"]

CONTRACT_PATH = Path(connectors.molisa.__file__).parent / "contract" / "openapi.yaml"
PREFIX = "/apiBTXH/"

#: Writes: the Idempotency-Key header applies to these.
WRITES = frozenset({"DongBoDVC", "XuLyHoSo", "GuiKetQua", "XacNhanDaNhan"})


def _invalid(violation: Violation) -> dict[str, Any]:
    where = violation.field or "(body)"
    return {
        "error_code": "2",
        "message": f"Dữ liệu không hợp lệ: {where} {violation.error}",
        "field": violation.field,
    }


class SeedBulkRequest(BaseModel):
    """``count`` synthetic province-synced records (see ``mocks.molisa.state.bulk_row``)."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=0, le=5_000_000)
    prefix: str = Field(default="BULK-", min_length=1, max_length=40)
    #: Their NgayCapNhat, Vietnam wall-clock time (default: now).
    updated_at: datetime | None = None
    procedures: list[str] = Field(default_factory=lambda: ["1.001776", "1.001731"], min_length=1)


class PlantRequest(BaseModel):
    """Differences to plant: see :meth:`MolisaState.plant`."""

    model_config = ConfigDict(extra="forbid")

    remove: list[str] = Field(default_factory=list)
    alter: list[dict[str, Any]] = Field(default_factory=list)
    add: list[dict[str, Any]] = Field(default_factory=list)
    seed_acknowledged: int = Field(default=0, ge=0, le=10_000)
    seed: int = 0


def _volume_router(state: MolisaState) -> APIRouter:
    """``POST /_mock/seed_bulk`` and ``POST /_mock/plant`` (reconciliation at volume)."""
    router = APIRouter(prefix="/_mock", tags=["mock admin"])

    @router.post("/seed_bulk")
    async def seed_bulk(body: SeedBulkRequest) -> dict[str, Any]:
        when = body.updated_at or now_vn()
        count = state.seed_bulk(
            body.count,
            prefix=body.prefix,
            updated_at=when.replace(tzinfo=None, microsecond=0),
            procedures=body.procedures,
        )
        return {"count": count}

    @router.post("/plant")
    async def plant(body: PlantRequest) -> dict[str, Any]:
        return state.plant(
            remove=body.remove,
            alter=body.alter,
            add=body.add,
            seed_acknowledged=body.seed_acknowledged,
            seed=body.seed,
        )

    return router


def create_app(config: MockConfig | None = None) -> FastAPI:
    """A fresh MOLISA mock; ``config`` sets the accept key, initial faults and seeding."""
    config = config or MockConfig()
    contract = load_contract(CONTRACT_PATH)
    state = MolisaState(config)
    app = FastAPI(title="MOLISA mock (Trợ giúp xã hội)", docs_url=None, redoc_url=None)
    app.state.mock = state
    app.add_middleware(FaultMiddleware, injector=state.faults)
    app.include_router(admin_router(state))
    app.include_router(_volume_router(state))

    operations: dict[str, Callable[[dict[str, Any], str | None], dict[str, Any]]] = {
        "DongBoDVC": state.dong_bo_dvc,
        "XuLyHoSo": state.xu_ly_ho_so,
        "GuiKetQua": state.gui_ket_qua,
        "XacNhanDaNhan": lambda body, _key: state.xac_nhan_da_nhan(body),
        "LayDanhSachHoSoMoi": lambda body, _key: state.lay_danh_sach_ho_so_moi(body),
        "TraCuuHoSo": lambda body, _key: state.tra_cuu_ho_so(body),
        "DanhSachHoSo": lambda body, _key: state.danh_sach_ho_so(body),
    }

    @app.post(PREFIX + "{operation}")
    async def operation(operation: str, request: Request) -> JSONResponse:
        handler = operations.get(operation)
        if handler is None:
            return JSONResponse({"detail": "not found"}, status_code=404)
        journal = state.journal
        journal.requests += 1
        path = PREFIX + operation
        try:
            body = json.loads(await request.body())
        except ClientDisconnect:
            # The client went away mid-request (a killed worker): nothing to answer.
            return Response(status_code=499)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            not_object = Violation(path=path, field="", error="must be a JSON object")
            journal.violation(not_object)
            return JSONResponse(_invalid(not_object))
        if body.get("AcceptKey") != state.config.accept_key:
            return JSONResponse({"error_code": "1", "message": "AcceptKey không hợp lệ"})
        violation = contract.validate(path, body)
        if violation is not None:
            journal.violation(violation)
            return JSONResponse(_invalid(violation))
        key = request.headers.get("Idempotency-Key") if operation in WRITES else None
        stored = journal.replay(key)
        if stored is not None:
            return JSONResponse(stored)
        answer = handler(body, key)
        if answer["error_code"] == "0":
            journal.remember(key, answer)
        return JSONResponse(answer)

    return app
