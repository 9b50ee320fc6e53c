"""The mock kit's ``busy`` fault: the ministry's JSON answer, or a :class:`BusyReply`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hub.testing.mock import BusyReply, Fault, FaultInjector, FaultMiddleware, start_server

SOAP_FAULT = b"<soap:Envelope><soap:Body><soap:Fault/></soap:Body></soap:Envelope>"


def _app(busy: dict[str, Any] | BusyReply | None) -> FastAPI:
    app = FastAPI()
    injector = FaultInjector(busy_body=busy)
    injector.set([Fault(kind="busy", count=1)])
    app.add_middleware(FaultMiddleware, injector=injector)

    @app.post("/api")
    async def api() -> dict[str, str]:
        return {"error_code": "0"}

    return app


@pytest.mark.parametrize(
    ("busy", "status", "media_type", "body"),
    [
        ({"error_code": "99", "message": "bận"}, 200, "application/json",
         '{"error_code": "99", "message": "bận"}'.encode()),
        (BusyReply(SOAP_FAULT, status=500, media_type="text/xml; charset=utf-8"), 500,
         "text/xml; charset=utf-8", SOAP_FAULT),
    ],
    ids=["json", "soap"],
)  # fmt: skip
def test_busy_answers_as_the_ministry_says_it(
    busy: dict[str, Any] | BusyReply, status: int, media_type: str, body: bytes
) -> None:
    with start_server(_app(busy)) as server:
        first = httpx.post(f"{server.url}/api", trust_env=False)
        second = httpx.post(f"{server.url}/api", trust_env=False)
    assert (first.status_code, first.headers["content-type"], first.content) == (
        status, media_type, body,
    )  # fmt: skip
    assert second.json() == {"error_code": "0"}, "the fault is spent after its count"
