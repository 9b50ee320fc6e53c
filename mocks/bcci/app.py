"""The VNPost mock: serves exactly connectors/bcci/contract/openapi.yaml.

``POST /oauth2/token`` (Basic consumer key:secret, the secret = ``MockConfig.accept_key``)
gives a bearer token living ``token_ttl_seconds``; ``/api/*`` answers 401 without a
live one. Orders are checked against the contract and their province and commune codes
against the 2025 unit list; a re-sent order (same OrderNumber + OrderType and data) is
"already held" (Status 2), never a second order. Shipments move on the mock's clock
(``step_seconds``) and on ``POST /_mock/bcci/advance``. With ``POST /_mock/bcci/notify
{url, secret}`` every new tracking event is also sent to ``url`` as a signed notice
(HMAC-SHA256 of ``"<timestamp>.<nonce>." + body``, headers X-Timestamp, X-Nonce,
X-Signature). Besides the shared admin API: ``/_mock/bcci/tokens`` (``{ttl_seconds}``;
``{revoke: true}`` drops every token), ``/_mock/bcci/plan`` (``{ma_ho_so, outcome:
"return"}``: its delivery fails three times and goes back) and ``/_mock/bcci/orders``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from hub.testing.mock import FaultMiddleware, MockConfig, admin_router, load_contract

from .state import BcciState

__all__ = ["CONTRACT_PATH", "create_app"]

CONTRACT_PATH = (
    Path(__file__).resolve().parents[2] / "connectors" / "bcci" / "contract" / "openapi.yaml"
)
UNAUTHORIZED = {"error": "invalid_token", "error_description": "token expired or unknown"}


class TokenSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ttl_seconds: int | None = Field(default=None, ge=1)
    revoke: bool = False


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ma_ho_so: str
    outcome: str = Field(pattern="^(return|deliver)$")


class Advance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ma_ho_so: str | None = None
    steps: int = Field(default=1, ge=1, le=100)


class Notify(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = None
    secret: str = ""


def _units_error(body: dict[str, Any]) -> str | None:
    """The first province/commune pair not in the 2025 list (or not belonging together)."""
    from vietnam_provinces import Province, ProvinceCode, Ward, WardCode

    for side in ("Sender", "Receiver"):
        province, commune = body[f"{side}Province"], body[f"{side}District"]
        try:
            Province.from_code(ProvinceCode(int(province)))
            ward = Ward.from_code(WardCode(int(commune)))
        except (ValueError, KeyError):
            return f"{side}Province/{side}District: mã đơn vị hành chính không tồn tại"
        if int(ward.province_code) != int(province):
            return f"{side}District: xã/phường không thuộc tỉnh {province}"
    return None


def create_app(
    config: MockConfig | None = None,
    *,
    step_seconds: float | None = None,
    token_ttl_seconds: int = 3600,
) -> FastAPI:
    """A fresh VNPost mock; ``step_seconds``: its own clock (None: admin calls only)."""
    config = config or MockConfig()
    contract = load_contract(CONTRACT_PATH)
    state = BcciState(config, step_seconds=step_seconds)
    state.tokens.ttl_seconds = token_ttl_seconds
    notify: dict[str, str] = {}
    app = FastAPI(title="VNPost mock", docs_url=None, redoc_url=None)
    app.state.mock = state
    app.add_middleware(FaultMiddleware, injector=state.faults)
    app.include_router(admin_router(state))

    async def send_notices() -> None:
        if not notify.get("url") or not state.unsent:
            state.unsent.clear()
            return
        rows, state.unsent = list(state.unsent), []
        body = json.dumps({"Data": rows}, ensure_ascii=False).encode()
        stamp, nonce = str(int(time.time())), secrets.token_hex(12)
        mac = f"{stamp}.{nonce}.".encode() + body
        signature = hmac.new(notify["secret"].encode(), mac, hashlib.sha256).hexdigest()
        headers = {"X-Timestamp": stamp, "X-Nonce": nonce, "X-Signature": signature}
        headers["Content-Type"] = "application/json"
        try:
            async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
                await client.post(notify["url"], content=body, headers=headers)
        except httpx.HTTPError:
            pass  # VNPost does not retry notices; the hub reads the feed anyway

    def authorized(request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        return state.tokens.valid(token)

    async def read(request: Request) -> Any:
        state.journal.requests += 1
        try:
            return json.loads(await request.body())
        except ValueError:
            return None

    def refused(path: str, body: Any) -> JSONResponse | None:
        violation = contract.validate(path, body)
        if violation is None:
            return None
        state.journal.violation(violation)
        message = f"{violation.field or '(body)'} {violation.error}"
        return JSONResponse({"Status": "1", "Message": message.strip()})

    @app.post("/oauth2/token")
    async def token(request: Request) -> JSONResponse:
        state.journal.requests += 1
        form = (await request.body()).decode(errors="replace")
        basic = request.headers.get("Authorization", "")
        try:
            key, _, secret = base64.b64decode(basic.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            key, secret = "", ""
        if "grant_type=client_credentials" not in form:
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if not key or secret != config.accept_key:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        value, ttl = state.tokens.issue()
        return JSONResponse({"access_token": value, "token_type": "Bearer", "expires_in": ttl})

    @app.post("/api/orders")
    async def orders(request: Request) -> JSONResponse:
        if not authorized(request):
            return JSONResponse(UNAUTHORIZED, status_code=401)
        body = await read(request)
        bad = refused("/api/orders", body)
        if bad is not None:
            return bad
        units = _units_error(body)
        if units is not None:
            return JSONResponse({"Status": "1", "Message": units})
        key = request.headers.get("Idempotency-Key")
        answer = state.journal.replay(key) or state.create(body, key)
        if answer["Status"] == "0":
            state.journal.remember(key, answer)
        await send_notices()
        return JSONResponse(answer)

    @app.post("/api/orders/cancel")
    async def cancel(request: Request) -> JSONResponse:
        if not authorized(request):
            return JSONResponse(UNAUTHORIZED, status_code=401)
        body = await read(request)
        bad = refused("/api/orders/cancel", body)
        if bad is not None:
            return bad
        key = request.headers.get("Idempotency-Key")
        answer = state.journal.replay(key) or state.cancel(body, key)
        if answer["Status"] == "0":
            state.journal.remember(key, answer)
        await send_notices()
        return JSONResponse(answer)

    @app.get("/api/tracking")
    async def tracking(request: Request) -> JSONResponse:
        if not authorized(request):
            return JSONResponse(UNAUTHORIZED, status_code=401)
        state.journal.requests += 1
        query = dict(request.query_params)
        last, size = query.get("LastId", ""), query.get("PageSize", "100")
        if not last.isdigit() or not size.isdigit() or not 1 <= int(size) <= 500:
            return JSONResponse({"Status": "1", "Message": "LastId/PageSize không hợp lệ"})
        state.tick()
        await send_notices()
        return JSONResponse(state.page(int(last), int(size)))

    @app.post("/_mock/bcci/tokens")
    async def tokens(body: TokenSettings) -> dict[str, Any]:
        if body.ttl_seconds is not None:
            state.tokens.ttl_seconds = body.ttl_seconds
        if body.revoke:
            state.tokens.issued.clear()
        return {"ttl_seconds": state.tokens.ttl_seconds}

    @app.post("/_mock/bcci/plan")
    async def plan(body: Plan) -> dict[str, Any]:
        state.plans[body.ma_ho_so] = body.outcome
        return {"ok": True}

    @app.post("/_mock/bcci/advance")
    async def advance(body: Advance) -> dict[str, Any]:
        moved = state.advance(body.ma_ho_so, body.steps)
        await send_notices()
        return {"moved": moved}

    @app.post("/_mock/bcci/notify")
    async def set_notify(body: Notify) -> dict[str, Any]:
        notify.clear()
        if body.url:
            notify.update(url=body.url, secret=body.secret)
        return {"ok": True}

    @app.get("/_mock/bcci/orders")
    async def list_orders() -> list[dict[str, Any]]:
        return [
            {"ItemCode": o.item_code, "StatusCode": o.status, "cancelled": o.cancelled, **o.body}
            for o in state.history
        ]

    return app
