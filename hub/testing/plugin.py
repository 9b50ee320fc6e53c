"""pytest plugin of tthc-hub: fixtures that start mock servers over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mocks._common.server import RunningServer, start_server


@pytest.fixture
def serve_app() -> Iterator[Callable[[Any], RunningServer]]:
    """Start ASGI apps on free loopback ports; every one is stopped after the test.

    ::

        def test_x(serve_app):
            server = serve_app(create_app())
            httpx.get(server.url + "/_mock/stats")
    """
    servers: list[RunningServer] = []

    def _serve(app: Any) -> RunningServer:
        server = start_server(app)
        servers.append(server)
        return server

    yield _serve
    for server in servers:
        server.stop()
