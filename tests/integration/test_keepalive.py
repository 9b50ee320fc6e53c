"""Idle keep-alive connections: whoever closes one must not race the other side.

A request sent on a kept-alive connection at the moment the server closes it for being
idle fails with ``httpx.ReadError`` (CI saw the demo fail that way after exactly 5 s of
idling: uvicorn's and httpx's limits were both 5 s). The hub's pools drop an idle
connection before a ministry's server does; the servers the hub runs (its API, the
mocks) keep one open longer than the usual client.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import httpx
import pytest

from hub.connector_settings import ConnectorSettings
from hub.http import ConnectorHttp
from hub.settings import ApiSettings
from hub.testing.mock.server import KEEPALIVE_SECONDS, start_server

HTTPX_DEFAULT_EXPIRY = httpx.Limits().keepalive_expiry or 0.0
#: The idle limit of the common servers a ministry runs (Apache, uvicorn, Node).
COMMON_SERVER_IDLE_SECONDS = 5.0


async def _client_port_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers with the client's port: a new port means a new connection."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = str(scope["client"][1]).encode()
    length = str(len(body)).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", length)]}
    )
    await send({"type": "http.response.body", "body": body})


def _request_on(sock: socket.socket) -> bytes:
    """One whole response (head and body), however many segments it comes in."""
    sock.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
    sock.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
        chunk = sock.recv(4096)
        assert chunk, f"the server closed the connection after {data!r}"
        data += chunk
    return data


def _length(data: bytes) -> int:
    for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            return int(value)
    return 0


def test_servers_outlast_the_usual_client_idle() -> None:
    assert KEEPALIVE_SECONDS > HTTPX_DEFAULT_EXPIRY
    assert ApiSettings().keepalive_seconds > 60  # a load balancer's usual idle limit


def test_server_honours_its_keepalive() -> None:
    """The setting reaches uvicorn: a 1 s server closes a connection idle for longer,
    and the default one keeps it."""
    with (
        start_server(_client_port_app, keepalive_seconds=1) as short,
        start_server(_client_port_app) as default,
    ):
        socks = [socket.create_connection(("127.0.0.1", s.port)) for s in (short, default)]
        try:
            for sock in socks:
                assert _request_on(sock).startswith(b"HTTP/1.1 200")
            time.sleep(1.6)
            socks[0].settimeout(2)
            assert socks[0].recv(4096) == b""  # closed by the server
            assert _request_on(socks[1]).startswith(b"HTTP/1.1 200")
        finally:
            for sock in socks:
                sock.close()


def test_connector_pool_drops_idle_connections_first() -> None:
    assert ConnectorSettings(base_url="http://x").keepalive_seconds < COMMON_SERVER_IDLE_SECONDS

    async def ports(http: ConnectorHttp, pause: float) -> tuple[str, str]:
        first = (await http.client().get("/")).text
        await asyncio.sleep(pause)
        second = (await http.client().get("/")).text
        await http.aclose()
        return first, second

    with start_server(_client_port_app) as server:
        settings = ConnectorSettings(base_url=server.url, keepalive_seconds=0.3)
        first, second = asyncio.run(ports(ConnectorHttp(settings), 0.05))
        assert first == second, "a connection used again within the limit is kept"
        first, second = asyncio.run(ports(ConnectorHttp(settings), 0.6))
        assert first != second, "a connection idle past keepalive_seconds is not reused"


@pytest.mark.parametrize("value", [-1, 301])
def test_keepalive_setting_is_bounded(value: float) -> None:
    with pytest.raises(ValueError, match="keepalive_seconds"):
        ConnectorSettings(base_url="http://x", keepalive_seconds=value)
