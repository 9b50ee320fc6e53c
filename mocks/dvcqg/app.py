"""The national portal (DVCQG) adapter mock: serves exactly connectors/dvcqg/contract.

``POST /api/login {username, password}`` with the header ``dstcode`` gives a session
(password = ``MockConfig.accept_key``); ``POST /api/service {session, madonvi, service,
...}`` runs a service, its body checked against that service's own schema
(:class:`hub.testing.mock.ServiceEnvelope`). Sessions expire after
``session_max_calls`` calls (None: never) or all at once with
``POST /_mock/expire-sessions``. Writes are applied once per (service,
``Idempotency-Key``). Besides the shared admin API: ``GET /_mock/calls`` (the services
called, in order, with the counts of "đã tồn tại", steps before their dossier and
expired sessions) and ``POST /_mock/forget/{ma_ho_so}`` (the portal loses a dossier).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hub.testing.mock import (
    FaultMiddleware,
    MockConfig,
    ServiceEnvelope,
    Violation,
    admin_router,
    load_contract,
)

from .state import DvcqgState

__all__ = ["CONTRACT_PATH", "create_app"]

CONTRACT_PATH = (
    Path(__file__).resolve().parents[2] / "connectors" / "dvcqg" / "contract" / "openapi.yaml"
)
EXPIRED = {"error_code": -1, "message": "Phiên làm việc đã hết hạn", "result": None}
WRITES = frozenset({"DongBoHoSoMC", "CapNhatTienDoHoSoMC"})
Handler = Callable[[dict[str, Any], str | None], dict[str, Any]]


def create_app(
    config: MockConfig | None = None, *, session_max_calls: int | None = None
) -> FastAPI:
    """A fresh portal mock; ``config``: credentials, faults, seeding."""
    config = config or MockConfig()
    contract = load_contract(CONTRACT_PATH)
    envelope = ServiceEnvelope(contract, "/api/service")
    state = DvcqgState(config)
    app = FastAPI(title="DVCQG adapter mock", docs_url=None, redoc_url=None)
    app.state.mock = state
    app.add_middleware(FaultMiddleware, injector=state.faults)
    app.include_router(admin_router(state))
    sessions: dict[str, int] = {}  # session -> calls left (-1: unlimited)

    services: dict[str, Handler] = {
        "DongBoHoSoMC": state.dong_bo,
        "CapNhatTienDoHoSoMC": state.tien_do,
        "TraCuuHoSo": lambda body, key: state.tra_cuu(body),
        "LayDanhSachHoSo": lambda body, key: state.danh_sach(body),
        "LayDanhSachTTHC": lambda body, key: state.danh_sach_tthc(),
        "LayThuTuc": lambda body, key: state.thu_tuc(body),
    }

    async def read(request: Request) -> Any:
        state.journal.requests += 1
        try:
            return json.loads(await request.body())
        except ValueError:
            return None

    def invalid(violation: Violation) -> JSONResponse:
        state.journal.violation(violation)
        message = f"{violation.service} {violation.field or '(body)'} {violation.error}"
        return JSONResponse({"error_code": 2, "message": message.strip(), "result": None})

    def session_ok(session: str) -> bool:
        left = sessions.get(session)
        if left is None or left == 0:
            sessions.pop(session, None)
            return False
        if left > 0:
            sessions[session] = left - 1
        return True

    @app.post("/_mock/expire-sessions")
    async def expire() -> dict[str, Any]:
        sessions.clear()
        return {"ok": True}

    @app.get("/_mock/calls")
    async def calls() -> dict[str, Any]:
        return {
            "calls": [list(c) for c in state.calls],
            "already_exists": state.already_exists,
            "steps_before_dossier": state.steps_before_dossier,
            "updates_before_dossier": state.updates_before_dossier,
            "expired_answers": state.expired_answers,
        }

    @app.post("/_mock/forget/{ma_ho_so}")
    async def forget(ma_ho_so: str) -> dict[str, Any]:
        return {"forgotten": state.forget(ma_ho_so)}

    @app.post("/api/login")
    async def login(request: Request) -> JSONResponse:
        body = await read(request)
        violation = contract.validate("/api/login", body)
        if violation is not None:
            return invalid(violation)
        if not request.headers.get("dstcode") or body["password"] != config.accept_key:
            return JSONResponse(
                {"error_code": 1, "message": "Sai tài khoản, mật khẩu hoặc dstcode", "result": None}
            )
        session = secrets.token_urlsafe(24)
        sessions[session] = session_max_calls if session_max_calls is not None else -1
        return JSONResponse({"error_code": 0, "message": "OK", "session": session})

    @app.post("/api/service")
    async def service(request: Request) -> JSONResponse:
        body = await read(request)
        violation = envelope.validate(body)  # against the schema of the service it names
        if violation is not None:
            return invalid(violation)
        if not session_ok(body.pop("session")):
            state.expired_answers += 1
            return JSONResponse(EXPIRED)
        name = str(envelope.service_of(body))
        key = request.headers.get("Idempotency-Key")
        scoped = f"{name}:{key}" if key and name in WRITES else None
        replay = state.journal.replay(scoped)
        if replay is not None:
            return JSONResponse(replay)
        answer = services[name](body, key)
        if name in WRITES and answer["error_code"] == 0:
            state.journal.remember(scoped, answer)
        return JSONResponse(answer)

    return app
