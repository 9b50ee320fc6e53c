"""pytest plugin of tthc-hub: fixtures that start mock servers over real loopback HTTP,
and a warning in the terminal summary when a conformance class skipped most checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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


# --- conformance coverage ------------------------------------------------------------


@dataclass
class Coverage:
    """How many checks of one conformance class ran; filled by the suite's tests."""

    share: float = 0.5
    ran: set[str] = field(default_factory=set)  #: the checks run (deselected ones are not)
    skipped: dict[str, str] = field(default_factory=dict)  #: check name -> skip reason

    @property
    def too_thin(self) -> bool:
        return bool(self.ran) and len(self.skipped) > self.share * len(self.ran)

    @property
    def message(self) -> str:
        reasons = sorted(set(self.skipped.values()))
        return (
            f"{len(self.skipped)} of {len(self.ran)} conformance checks were skipped "
            f"({'; '.join(reasons)}): the suite checks little of this connector"
        )


#: Suite node id -> its coverage, for :func:`pytest_terminal_summary`.
CONFORMANCE_COVERAGE = pytest.StashKey[dict[str, Coverage]]()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Warn, in every run's summary, about a conformance class that skipped most checks."""
    thin = {k: v for k, v in config.stash.get(CONFORMANCE_COVERAGE, {}).items() if v.too_thin}
    if not thin:
        return
    terminalreporter.write_sep("=", "conformance suite: most checks skipped", yellow=True)
    for suite, coverage in sorted(thin.items()):
        terminalreporter.write_line(f"WARNING {suite}: {coverage.message}", yellow=True)
