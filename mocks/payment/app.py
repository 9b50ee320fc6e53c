"""The PayGov mock server: serves ``connectors/payment/contract/openapi.yaml``.

``POST /api/<LoaiBanTin>`` (INIT, QUERY, GET_BILL, PING) with ``Authorization: Bearer``
(= ``MockConfig.accept_key``); a body that breaks the contract is answered error_code 2,
a MaXacThuc that does not hold error_code 4. ``GET|POST /thanh-toan/<MaThamChieu>`` is
the payment page: choose a bank, pay or cancel; paying sends the signed Confirm notice
to the callback URL as the notice mode says (``state.py``). ``GET /doi-soat/<day>.csv``
and ``.json`` are the daily transaction file (Bearer too). ``/_mock/`` is the admin API,
with ``/_mock/paygov/...``: the callback URL, the notice mode, flush, planted file edits
and the notices sent.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

import connectors.payment
from hub.testing.mock import FaultMiddleware, MockConfig, admin_router, load_contract

from . import paygov
from .state import NOTICE_MODES, PaymentState

__all__ = ["CONTRACT_PATH", "create_app"]

CONTRACT_PATH = Path(connectors.payment.__file__).parent / "contract" / "openapi.yaml"
NOT_FOUND = {"error_code": "3", "message": "Không tìm thấy giao dịch"}
FILE_FIELDS = ("MaThamChieu", "MaGiaoDich", "SoTien", "ThoiGianGD", "MaHoSo")
Handler = Callable[[dict[str, Any], str | None], dict[str, Any] | None]


def create_app(
    config: MockConfig | None = None,
    *,
    secret: str = "paygov-secret",
    ma_doi_tac: str = "UBND-KONTUM",
    callback_url: str | None = None,
) -> FastAPI:
    """A fresh PayGov mock; ``config``: the accepted token, faults."""
    config = config or MockConfig()
    contract = load_contract(CONTRACT_PATH)
    state = PaymentState(config, secret=secret, ma_doi_tac=ma_doi_tac)
    state.callback_url = callback_url
    app = FastAPI(title="PayGov mock", docs_url=None, redoc_url=None)
    app.state.mock = state
    app.add_middleware(FaultMiddleware, injector=state.faults)
    app.include_router(admin_router(state))
    app.include_router(_paygov_admin(state))
    signed = {"INIT": "INIT", "QUERY": "QUERY", "GET_BILL": "GET_BILL"}
    operations: dict[str, Handler] = {
        "INIT": state.init,
        "QUERY": lambda body, key: state.query(body),
        "GET_BILL": lambda body, key: state.bill(body),
        "PING": lambda body, key: {"message": "OK", "PhienBan": "1.0.6"},
    }

    def authorised(request: Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {config.accept_key}"

    @app.middleware("http")
    async def remember_url(request: Request, call_next: Any) -> Any:
        state.public_url = str(request.base_url).rstrip("/")
        return await call_next(request)

    @app.post("/api/{operation}")
    async def call(operation: str, request: Request) -> JSONResponse:
        if operation not in operations:
            return JSONResponse({"detail": "no such operation"}, status_code=404)
        state.journal.requests += 1
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not authorised(request):
            return JSONResponse({"error_code": "1", "message": "Sai token"})
        violation = contract.validate(f"/api/{operation}", body)
        if violation is not None:
            state.journal.violation(violation)
            message = f"{violation.service} {violation.field or '(body)'} {violation.error}"
            return JSONResponse({"error_code": "2", "message": message.strip()})
        if operation in signed and not paygov.signed_ok(signed[operation], body, state.secret):
            return JSONResponse({"error_code": "4", "message": "Sai mã xác thực"})
        if body.get("MaDoiTac") != state.ma_doi_tac:
            return JSONResponse({"error_code": "2", "message": "Sai mã đối tác"})
        answer = operations[operation](body, request.headers.get("Idempotency-Key"))
        if answer is None:
            return JSONResponse(NOT_FOUND)
        return JSONResponse({"error_code": "0", **answer})

    @app.get("/thanh-toan/{ref}")
    async def page(ref: str) -> HTMLResponse:
        tx = state.txs.get(ref)
        view = None if tx is None else {"MaHoSo": tx.ma_ho_so, "SoTien": tx.so_tien,
                                        "PhiLePhi": tx.fees}  # fmt: skip
        return HTMLResponse(paygov.page(ref, view), status_code=200 if tx else 404)

    @app.post("/thanh-toan/{ref}")
    async def pay(ref: str, request: Request) -> HTMLResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        tx = state.txs.get(ref)
        if tx is None:
            return HTMLResponse(paygov.page(ref, None), status_code=404)
        if form.get("hanh_dong") == "cancel":
            tx.state = "02" if tx.state != "00" else tx.state
            return HTMLResponse(paygov.page(ref, {}, "Đã hủy giao dịch"))
        bank = form.get("ngan_hang", "")
        if bank not in paygov.BANKS:
            return HTMLResponse(paygov.page(ref, {}, "Chưa chọn ngân hàng"), status_code=422)
        state.pay(ref, bank)
        await _deliver(state, state.notice(tx, state.notice_mode), state.notice_mode)
        return HTMLResponse(paygov.page(ref, {}, f"Đã thanh toán: {tx.ma_giao_dich}"))

    @app.get("/doi-soat/{name}")
    async def transaction_file(name: str, request: Request) -> Response:
        if not authorised(request):
            return JSONResponse({"error_code": "1", "message": "Sai token"}, status_code=401)
        day, _, fmt = name.partition(".")
        rows = state.transaction_file(day)
        if fmt == "json":
            return JSONResponse({"Ngay": day, "GiaoDich": rows})
        if fmt != "csv":
            return JSONResponse({"detail": "csv or json"}, status_code=404)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=FILE_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")

    return app


async def _send(state: PaymentState, body: dict[str, Any]) -> None:
    record: dict[str, Any] = {"body": body, "status": None, "reply": None}
    state.sent.append(record)
    if not state.callback_url:
        record["status"] = "no callback URL"
        return
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(state.callback_url, json=body)
        record["status"] = response.status_code
        record["reply"] = response.json()
    except Exception as exc:  # a failed delivery is recorded, never a broken page
        record["status"] = f"{type(exc).__name__}"


async def _deliver(state: PaymentState, body: dict[str, Any], mode: str) -> None:
    if mode == "none":
        return
    if mode == "held":
        state.held.append(body)
        return
    if mode == "late":
        task = asyncio.create_task(_late(state, body))
        state.__dict__.setdefault("_tasks", set()).add(task)
        task.add_done_callback(state.__dict__["_tasks"].discard)
        return
    await _send(state, body)
    if mode == "twice":
        await _send(state, dict(body))


async def _late(state: PaymentState, body: dict[str, Any]) -> None:
    await asyncio.sleep(state.delay_seconds)
    await _send(state, body)


def _paygov_admin(state: PaymentState) -> APIRouter:
    router = APIRouter(prefix="/_mock/paygov", tags=["mock admin"])

    @router.post("/settings")
    async def settings(request: Request) -> dict[str, Any]:
        """``{"callback_url", "notice_mode", "delay_seconds"}``, each optional."""
        body = await request.json()
        if "notice_mode" in body:
            if body["notice_mode"] not in NOTICE_MODES:
                return {"error": f"notice_mode is one of {', '.join(NOTICE_MODES)}"}
            state.notice_mode = body["notice_mode"]
        if "callback_url" in body:
            state.callback_url = body["callback_url"]
        if "delay_seconds" in body:
            state.delay_seconds = float(body["delay_seconds"])
        return {"callback_url": state.callback_url, "notice_mode": state.notice_mode}

    @router.post("/flush")
    async def flush() -> dict[str, Any]:
        """Send the held notices, newest first (out of order)."""
        held, state.held = list(reversed(state.held)), []
        for body in held:
            await _send(state, body)
        return {"sent": len(held)}

    @router.post("/resend/{ref}")
    async def resend(ref: str, mode: str = "on_time") -> dict[str, Any]:
        """The notice of a paid transaction again, spoilt as ``mode`` says."""
        tx = state.txs[ref]
        await _deliver(state, state.notice(tx, mode), mode)
        return state.sent[-1] if state.sent else {}

    @router.post("/file-edits")
    async def file_edits(request: Request) -> dict[str, Any]:
        """Plant differences in the transaction file: ``drop`` (refs left out),
        ``amount`` ({ref: SoTien}), ``extra`` (rows PayGov has that the hub does not)."""
        body = await request.json()
        state.file_edits["drop"] += list(body.get("drop", []))
        state.file_edits["amount"].update(body.get("amount", {}))
        state.file_edits["extra"] += list(body.get("extra", []))
        return state.file_edits

    @router.get("/sent")
    async def sent() -> list[dict[str, Any]]:
        return state.sent

    return router
