"""``ConnectorHttp.post_json`` (the hot path's JSON call, issue #21 round four) sends what
the pool's client sends for ``post(path, json=..., headers=...)``, over real loopback
HTTP: the same method, URL, headers and body bytes; replies stay bounded; a 3xx comes
back as it is; a transport failure is httpx's error, with its request."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.connector_settings import ConnectorSettings
from hub.errors import ContractError
from hub.http import ConnectorHttp

BODY = {"AcceptKey": "k", "HoTen": "Nguyễn Văn An", "SoTien": 1.5, "Tep": [1, None, True]}


def echo_app() -> Starlette:
    async def echo(request: Request) -> Response:
        return JSONResponse(
            {
                "method": request.method,
                "url": str(request.url),
                "headers": [[k, v] for k, v in request.headers.items()],
                "body": (await request.body()).decode("utf-8"),
            }
        )

    async def moved(request: Request) -> Response:
        return Response(status_code=302, headers={"Location": "/elsewhere"})

    async def big(request: Request) -> Response:
        return Response(b"x" * 4096, media_type="application/json")

    routes = [
        Route("/api/echo", echo, methods=["POST"]),
        Route("/api/moved", moved, methods=["POST"]),
        Route("/api/big", big, methods=["POST"]),
    ]
    return Starlette(routes=routes)


def run(url: str, calls: Any, **settings: Any) -> Any:
    async def main() -> Any:
        pool = ConnectorHttp(
            ConnectorSettings(base_url=url, **settings), "/api/", {"X-Hub": "1"}, system="x"
        )
        try:
            return await calls(pool)
        finally:
            await pool.aclose()

    return asyncio.run(main())


def test_post_json_sends_what_the_client_sends(serve_app: Any) -> None:
    url = str(serve_app(echo_app()).url)

    async def both(pool: ConnectorHttp) -> tuple[Any, Any]:
        key = {"Idempotency-Key": "molisa:ev-1"}
        by_client = await pool.client().post("echo", json=BODY, headers=key)
        by_post_json = await pool.post_json("echo", BODY, key)
        return by_client.json(), by_post_json

    seen_client, response = run(url, both)
    assert response.status_code == 200 and response.request.method == "POST"
    seen = response.json()
    assert seen["method"] == seen_client["method"] == "POST"
    assert seen["url"] == seen_client["url"] and seen["url"].endswith("/api/echo")
    assert seen["body"] == seen_client["body"]  # the same bytes: httpx's json= encoding
    assert "Nguyễn Văn An" in seen["body"]
    assert sorted(map(tuple, seen["headers"])) == sorted(map(tuple, seen_client["headers"]))
    assert ["idempotency-key", "molisa:ev-1"] in seen["headers"]
    assert ["x-hub", "1"] in seen["headers"]


def test_a_call_header_replaces_the_clients_own(serve_app: Any) -> None:
    url = str(serve_app(echo_app()).url)

    async def call(pool: ConnectorHttp) -> Any:
        return (await pool.post_json("echo", BODY, {"x-hub": "2"})).json()

    headers = run(url, call)["headers"]
    assert [v for k, v in headers if k == "x-hub"] == ["2"]


def test_a_redirect_comes_back_as_it_is(serve_app: Any) -> None:
    url = str(serve_app(echo_app()).url)

    async def call(pool: ConnectorHttp) -> Any:
        return await pool.post_json("moved", BODY)

    response = run(url, call)
    assert response.status_code == 302
    with pytest.raises(httpx.HTTPStatusError):
        response.raise_for_status()


def test_post_json_replies_are_bounded(serve_app: Any) -> None:
    url = str(serve_app(echo_app()).url)

    async def call(pool: ConnectorHttp) -> Any:
        try:
            return await pool.post_json("big", BODY)
        except ContractError as exc:
            return exc

    assert run(url, call).status_code == 200
    error = run(url, call, max_reply_bytes=1024)
    assert isinstance(error, ContractError) and error.code == "reply_too_large"


def test_a_transport_failure_is_httpx_error_with_its_request() -> None:
    async def call(pool: ConnectorHttp) -> Any:
        try:
            await pool.post_json("echo", BODY)
        except httpx.ConnectError as exc:
            return exc
        return None

    error = run("http://127.0.0.1:9", call, timeout_seconds=5)
    assert isinstance(error, httpx.ConnectError)
    assert str(error.request.url) == "http://127.0.0.1:9/api/echo"
