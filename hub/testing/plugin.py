"""pytest plugin of tthc-hub: fixtures that start mock servers over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hub.testing.mock.server import RunningServer, start_server


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


@pytest.fixture
def assert_no_personal_data() -> Callable[..., None]:
    """Assert that text holds none of the personal data of the given dossiers.

    ::

        def test_x(assert_no_personal_data):
            assert_no_personal_data(caplog.text, dossiers, where="the worker log")
    """
    from hub.testing.pii import find_personal_data

    def _assert(text: str, dossiers: Any, where: str = "the text") -> None:
        leaks = find_personal_data(text, dossiers)
        assert not leaks, f"personal data in {where}: " + "; ".join(leaks[:10])

    return _assert
