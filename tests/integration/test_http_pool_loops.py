"""A connector's HTTP pool (:class:`hub.http.ConnectorHttp`) used from several event loops
leaves no socket to the garbage collector: each loop's pool is closed inside that loop
when it shuts down (``asyncio.run`` and uvicorn do), so no "unclosed <socket.socket" /
"unclosed transport" ResourceWarning surfaces later, inside whatever test runs then.
Over real loopback HTTP; on SQLite and on PostgreSQL for the hub-level case."""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from hub.connector_settings import ConnectorSettings
from hub.http import ConnectorHttp
from hub.service import Hub
from hub.settings import HubSettings
from mocks.molisa.app import create_app as create_molisa_mock


async def _pong(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("pong")


@pytest.fixture
def ping_url(serve_app: Any) -> str:
    return str(serve_app(Starlette(routes=[Route("/ping", _pong)])).url)


@pytest.fixture
def resource_warnings() -> Iterator[Callable[[], list[str]]]:
    """``resource_warnings()``: the ResourceWarnings raised since the test started, after a
    full garbage collection (where a leaked socket's warning comes from)."""
    gc.collect()  # what earlier tests left is theirs, not this test's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        def found() -> list[str]:
            gc.collect()
            return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]

        yield found


async def _ping(pool: ConnectorHttp, times: int = 3) -> None:
    for _ in range(times):
        (await pool.client().get("/ping")).raise_for_status()


def test_a_pool_used_in_successive_event_loops_is_closed_with_each(
    ping_url: str, resource_warnings: Callable[[], list[str]]
) -> None:
    pool = ConnectorHttp(ConnectorSettings(base_url=ping_url))
    clients: list[httpx.AsyncClient] = []

    async def use() -> None:
        await _ping(pool)
        clients.append(pool.client())

    asyncio.run(use())
    asyncio.run(use())
    assert clients[0] is not clients[1]  # a client is bound to its loop
    closed = [c.is_closed for c in clients]
    clients.clear()
    assert resource_warnings() == []
    assert closed == [True, True]  # each closed when its loop shut down


def test_a_pool_shared_by_two_live_loops_keeps_one_client_each(ping_url: str) -> None:
    """Two loops at once (the API's uvicorn thread and a test's asyncio.run): neither
    loop's client is replaced or closed under the other."""
    pool = ConnectorHttp(ConnectorSettings(base_url=ping_url))
    ready, done = threading.Event(), threading.Event()
    seen: dict[str, httpx.AsyncClient] = {}

    async def other_loop() -> None:
        await _ping(pool, 1)
        seen["other"] = pool.client()
        ready.set()
        await asyncio.to_thread(done.wait, 10)
        await _ping(pool, 1)
        assert pool.client() is seen["other"] and not seen["other"].is_closed

    thread = threading.Thread(target=lambda: asyncio.run(other_loop()))
    thread.start()
    try:
        assert ready.wait(10)

        async def main() -> None:
            await _ping(pool, 1)
            seen["main"] = pool.client()

        asyncio.run(main())
    finally:
        done.set()
        thread.join(10)
    assert seen["main"] is not seen["other"]
    assert seen["main"].is_closed and seen["other"].is_closed


def test_aclose_closes_the_running_loops_pool(ping_url: str) -> None:
    pool = ConnectorHttp(ConnectorSettings(base_url=ping_url))

    async def main() -> httpx.AsyncClient:
        await _ping(pool, 1)
        client = pool.client()
        await pool.aclose()
        assert client.is_closed
        await _ping(pool, 1)  # a closed pool is remade on the next call
        assert pool.client() is not client
        await pool.aclose()
        return client

    asyncio.run(main())


def test_a_hubs_connector_used_in_several_asyncio_runs_leaks_no_socket(
    build_hub: Callable[..., Hub],
    db_url: str,
    serve_app: Any,
    resource_warnings: Callable[[], list[str]],
) -> None:
    mock = serve_app(create_molisa_mock())
    hub = build_hub(
        HubSettings(
            database_url=db_url,
            connectors={
                "molisa": {"base_url": mock.url, "accept_key": "test-key", "timeout_seconds": 5}
            },
        )
    )
    connector = hub.connectors["molisa"]
    for _ in range(3):  # e.g. a test's worker pass, then a pull, then a health probe
        assert asyncio.run(connector.health()).ok
    asyncio.run(hub.aclose())
    del hub, connector
    gc.collect()
    assert resource_warnings() == []
