"""The vantai mock server: serves exactly ``connectors/vantai/contract/openapi.yaml``.

``POST /api/dangnhap {username, password}`` gives a session (password
:data:`PASSWORD`, or ``create_app(password=...)``); ``POST /api/dichvu {session,
service, ...}`` with the headers ``MaDonVi`` and ``ApiKey`` (``MockConfig.accept_key``
for ``000.00.22.H34``) runs a service, its body checked against that service's schema
(:class:`hub.testing.mock.ServiceEnvelope`). Header faults answer -300 … -304 as the
ministry does; a body breaking the contract is recorded and answered with error_code 2;
faults come from :class:`hub.testing.mock.FaultMiddleware`; ``/_mock/`` is the admin API.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import connectors.vantai
from hub.testing.mock import (
    FaultMiddleware,
    MockConfig,
    ServiceEnvelope,
    Violation,
    admin_router,
    load_contract,
)

from .state import VantaiState

__all__ = ["CONTRACT_PATH", "PASSWORD", "create_app"]

CONTRACT_PATH = Path(connectors.vantai.__file__).parent / "contract" / "openapi.yaml"
PASSWORD = "mock-password"
NOT_FOUND = {"error_code": "3", "message": "Không tìm thấy hồ sơ"}
Handler = Callable[[dict[str, Any]], dict[str, Any] | None]


def create_app(config: MockConfig | None = None, *, password: str = PASSWORD) -> FastAPI:
    """A fresh vantai mock holding the seeded dossiers."""
    config = config or MockConfig()
    contract = load_contract(CONTRACT_PATH)
    envelope = ServiceEnvelope(contract, "/api/dichvu")
    state = VantaiState(config)
    app = FastAPI(title="vantai mock", docs_url=None, redoc_url=None)
    app.state.mock = state
    app.add_middleware(FaultMiddleware, injector=state.faults)
    app.include_router(admin_router(state))
    services: dict[str, Handler] = {
        "DanhSachHoSo": state.danh_sach,
        "TraCuuHoSo": state.tra_cuu,
        "LayTaiLieuHoSo": state.tai_lieu,
        "ThongKeHoSo": state.thong_ke,
        "KiemTraKetNoi": lambda body: {"PhienBan": "mock"},
    }
    sessions: set[str] = set()

    async def read(request: Request) -> Any:
        state.journal.requests += 1
        try:
            return json.loads(await request.body())
        except ValueError:
            return None

    def invalid(violation: Violation) -> JSONResponse:
        state.journal.violation(violation)
        message = f"{violation.service} {violation.field or '(body)'} {violation.error}"
        return JSONResponse({"error_code": "2", "message": message.strip()})

    @app.post("/_mock/expire-sessions")
    async def expire() -> dict[str, Any]:
        sessions.clear()
        return {"ok": True}

    @app.post("/api/dangnhap")
    async def login(request: Request) -> JSONResponse:
        body = await read(request)
        violation = contract.validate("/api/dangnhap", body)
        if violation is not None:
            return invalid(violation)
        if body["password"] != password:
            return JSONResponse({"error_code": "1", "message": "Sai tên đăng nhập hoặc mật khẩu"})
        session = secrets.token_urlsafe(24)
        sessions.add(session)
        return JSONResponse({"error_code": "0", "message": "OK", "session": session})

    @app.post("/api/dichvu")
    async def service(request: Request) -> JSONResponse:
        body = await read(request)
        refused = state.refuse_headers(
            request.headers.get("MaDonVi"), request.headers.get("ApiKey")
        )
        if refused is not None:
            return JSONResponse(refused)
        violation = envelope.validate(body)
        if violation is not None:
            return invalid(violation)
        if body.pop("session") not in sessions:
            return JSONResponse({"error_code": "-1", "message": "Phiên làm việc đã hết hạn"})
        operation = str(envelope.service_of(body))
        del body[envelope.key]
        answer = services[operation](body)
        if answer is None:
            return JSONResponse(NOT_FOUND)
        return JSONResponse({"error_code": "0", "message": "OK", **answer})

    return app
