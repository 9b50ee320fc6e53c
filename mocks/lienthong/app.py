"""The liên thông mock server: serves ``connectors/lienthong/contract/openapi.yaml``.

Bearer tokens from ``/api/taikhoan/dangnhap`` (password = ``MockConfig.accept_key``);
401 without a valid token; request bodies validated against the contract; faults
by :class:`hub.testing.mock.faults.FaultMiddleware`; the ``/_mock/`` admin API of
``docs/mocks.md`` plus ``POST /_mock/expire-tokens`` and ``GET /_mock/logins`` (how
many logins the mock answered with a token, and how many tokens are live).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

import connectors.lienthong
from hub.testing.mock import FaultMiddleware, MockConfig, Violation, admin_router, load_contract

from .state import LienthongState

__all__ = ["CONTRACT_PATH", "create_app"]

CONTRACT_PATH = Path(connectors.lienthong.__file__).parent / "contract" / "openapi.yaml"


def create_app(config: MockConfig | None = None, *, token_ttl: float = 3600.0) -> FastAPI:
    """A fresh liên thông mock; tokens live ``token_ttl`` seconds."""
    config = config or MockConfig()
    contract = load_contract(CONTRACT_PATH)
    state = LienthongState(config, token_ttl=token_ttl)
    app = FastAPI(title="Liên thông mock", docs_url=None, redoc_url=None)
    app.state.mock = state
    app.add_middleware(FaultMiddleware, injector=state.faults)
    app.include_router(admin_router(state))

    @app.get("/_mock/logins")
    async def logins() -> dict[str, Any]:
        return {"logins": state.logins, "live_tokens": len(state.tokens)}

    @app.post("/_mock/expire-tokens")
    async def expire() -> dict[str, Any]:
        state.expire_tokens()
        return {"ok": True}

    @app.post("/_mock/process/{ma_ho_so}")
    async def process(ma_ho_so: str, request: Request) -> Response:
        """The ministry processes a dossier: ``{trangThai, ketQua: bool}``."""
        body = json.loads(await request.body() or b"{}")
        row = state.process(
            ma_ho_so, int(body.get("trangThai", 4)), ket_qua=bool(body.get("ketQua", True))
        )
        if row is None:
            return JSONResponse({"loi": "không tìm thấy hồ sơ"}, status_code=404)
        return JSONResponse(row)

    async def body_of(request: Request, path: str) -> tuple[Any, JSONResponse | None]:
        state.journal.requests += 1
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        violation = (
            contract.validate(path, body)
            if isinstance(body, dict)
            else Violation(path=path, field="", error="must be a JSON object")
        )
        if violation is not None:
            state.journal.violation(violation)
            return None, JSONResponse(
                {
                    "loi": f"{violation.field or '(body)'} {violation.error}",
                    "truong": violation.field,
                },
                status_code=400,
            )
        return body, None

    def unauthorized() -> JSONResponse:
        return JSONResponse({"loi": "token không hợp lệ hoặc đã hết hạn"}, status_code=401)

    @app.post("/api/taikhoan/dangnhap")
    async def login(request: Request) -> Response:
        body, error = await body_of(request, "/api/taikhoan/dangnhap")
        if error is not None:
            return error
        answer = state.login(body)
        if answer is None:
            return JSONResponse({"loi": "sai tên đăng nhập hoặc mật khẩu"}, status_code=401)
        return JSONResponse(answer)

    @app.post("/api/hoso/danhsach")
    async def danh_sach(request: Request) -> Response:
        if not state.token_ok(request.headers.get("Authorization")):
            return unauthorized()
        body, error = await body_of(request, "/api/hoso/danhsach")
        return error or JSONResponse(state.danh_sach(body))

    @app.post("/api/hoso/chitiet")
    async def chi_tiet(request: Request) -> Response:
        if not state.token_ok(request.headers.get("Authorization")):
            return unauthorized()
        body, error = await body_of(request, "/api/hoso/chitiet")
        if error is not None:
            return error
        record = state.chi_tiet(body["maHoSo"])
        if record is None:
            return JSONResponse({"loi": "không tìm thấy hồ sơ"}, status_code=404)
        return JSONResponse(record)

    @app.put("/api/hoso/xacnhan")
    async def xac_nhan(request: Request) -> Response:
        if not state.token_ok(request.headers.get("Authorization")):
            return unauthorized()
        state.journal.requests += 1
        try:
            body = json.loads(await request.body())
            codes = [str(c) for c in body["danhSachMaHoSo"]]
        except (ValueError, KeyError, TypeError):
            bad = Violation(path="/api/hoso/xacnhan", field="danhSachMaHoSo", error="is required")
            state.journal.violation(bad)
            return JSONResponse({"loi": "danhSachMaHoSo is required"}, status_code=400)
        return JSONResponse({"soLuong": state.xac_nhan(codes)})

    @app.post("/api/hoso/capnhattrangthai")
    async def cap_nhat(request: Request) -> Response:
        if not state.token_ok(request.headers.get("Authorization")):
            return unauthorized()
        body, error = await body_of(request, "/api/hoso/capnhattrangthai")
        if error is not None:
            return error
        key = request.headers.get("Idempotency-Key")
        stored = state.journal.replay(key)
        if stored is not None:
            return JSONResponse(stored)
        answer = state.cap_nhat(body, key)
        state.journal.remember(key, answer)
        return JSONResponse(answer)

    return app
