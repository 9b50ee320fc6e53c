"""The conformance suite fails broken connectors built from a real one (MOLISA).

Each broken connector is the bundled MOLISA connector with one classic mistake. The
check meant to catch it is run against the MOLISA mock and must fail, naming what is
wrong; the same check passes for the unbroken connector (so it can fail only because
of the mistake). Two runs go through pytest itself (pytester): a broken connector
fails ``test_conformance[fetch]``, and a class that skips most checks says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from connectors.molisa.client import MolisaClient
from connectors.molisa.connector import MolisaConnector
from connectors.molisa.settings import MolisaSettings
from hub.connector import Period, RemoteDossier, RemoteRecord
from hub.errors import PermanentError, TransientError
from hub.testing.conformance import SuiteConfig, SuiteContext, build_checks
from hub.testing.mock.admin import MockConfig
from hub.testing.mock.server import RunningServer, start_server
from mocks.molisa.app import create_app

pytest_plugins = ["pytester"]

ACCEPT_KEY = "conformance-key"


def settings(base_url: str, timeout_seconds: float = 10.0) -> MolisaSettings:
    return MolisaSettings(
        base_url=base_url, accept_key=ACCEPT_KEY, timeout_seconds=timeout_seconds, page_size=2
    )


class FetchReturnsNone(MolisaConnector):
    """Looks nothing up: every fetch answers "unknown"."""

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        return None


class ListDropsStatus(MolisaConnector):
    """Lists the records of a period without their status."""

    async def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:
        async for record in super().list_remote(period):
            yield dataclasses.replace(record, trang_thai=None)


class _NoKeyClient(MolisaClient):
    async def call(self, operation: str, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        kwargs.pop("idempotency_key", None)
        return await super().call(operation, body, **kwargs)


class PushWithoutKey(MolisaConnector):
    """Sends writes without the Idempotency-Key header: a re-send writes twice."""

    def __init__(self, settings: MolisaSettings) -> None:
        super().__init__(settings)
        self._client = _NoKeyClient(settings)


class _ServerErrorIsPermanentClient(MolisaClient):
    async def call(self, operation: str, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        try:
            return await super().call(operation, body, **kwargs)
        except TransientError as exc:
            if exc.code.startswith("http_5"):
                raise PermanentError(f"MOLISA failed: {exc.reason}", system="molisa") from exc
            raise


class ServerErrorIsPermanent(MolisaConnector):
    """Dead-letters a 5xx instead of retrying it."""

    def __init__(self, settings: MolisaSettings) -> None:
        super().__init__(settings)
        self._client = _ServerErrorIsPermanentClient(settings)


def factory(cls: type[MolisaConnector]) -> Callable[[str], MolisaConnector]:
    return lambda base_url: cls(settings(base_url))


CONFIG = SuiteConfig(
    fast_timeout_factory=lambda url: MolisaConnector(settings(url, 0.5)), list_page_size=2
)


@pytest.fixture(scope="module")
def molisa_server() -> Iterator[RunningServer]:
    server = start_server(create_app(MockConfig(accept_key=ACCEPT_KEY)))
    yield server
    server.stop()


@pytest.fixture
def run_check(molisa_server: RunningServer) -> Iterator[Callable[[str, Any], None]]:
    contexts: list[SuiteContext] = []

    def _run(name: str, connector: Any) -> None:
        ctx = SuiteContext(molisa_server.url, factory(connector), CONFIG)
        contexts.append(ctx)
        ctx.reset()
        check = next(c for c in build_checks(CONFIG) if c.name == name)
        ctx.require(check.requires)
        check.check(ctx)

    yield _run
    for ctx in contexts:
        ctx.close()


CASES = [
    (FetchReturnsNone, "fetch", r"fetch\(.*\) returned None for a record seeded in the mock"),
    (ListDropsStatus, "list_period", r"listed with status None, the ministry holds"),
    (PushWithoutKey, "idempotent_repush", "the push sent no idempotency key"),
    (ServerErrorIsPermanent, "fault_http_500", "raised PermanentError, expected TransientError"),
    (ServerErrorIsPermanent, "fault_http_503", "raised PermanentError, expected TransientError"),
]


@pytest.mark.parametrize(
    ("connector", "check", "message"), CASES, ids=[f"{c[0].__name__}-{c[1]}" for c in CASES]
)
def test_suite_fails_the_broken_connector(
    run_check: Callable[[str, Any], None], connector: type, check: str, message: str
) -> None:
    with pytest.raises(AssertionError, match=message):
        run_check(check, connector)


@pytest.mark.parametrize("check", sorted({c[1] for c in CASES}))
def test_the_same_check_passes_the_real_connector(
    run_check: Callable[[str, Any], None], check: str
) -> None:
    run_check(check, MolisaConnector)


MODULE = """
from connectors.molisa.connector import MolisaConnector
from connectors.molisa.settings import MolisaSettings
from hub.connector import Capability, RemoteDossier
from hub.testing import SuiteConfig, conformance_tests
from hub.testing.mock.admin import MockConfig
from mocks.molisa.app import create_app


class Broken(MolisaConnector):
    capabilities = frozenset({CAPS})

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        return None


def make(url):
    return Broken(MolisaSettings(base_url=url, accept_key="k", page_size=2))


TestBroken = conformance_tests(
    make, mock_app=lambda: create_app(MockConfig(accept_key="k")), config=SuiteConfig(faults=())
)
"""


def test_a_pytest_run_fails_the_named_check(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken=MODULE.replace("CAPS", "Capability.FETCH"))
    result = pytester.runpytest_inprocess("-ra", "-p", "no:randomly", "-k", "fetch or health")
    outcomes = result.parseoutcomes()
    # fetch fails, health passes, fetch_after_push is skipped (no PUSH)
    assert (outcomes["failed"], outcomes["passed"], outcomes["skipped"]) == (1, 1, 1)
    result.stdout.fnmatch_lines(
        [
            "E * AssertionError: fetch(*) returned None for a record seeded in the mock",
            "FAILED test_broken.py::TestBroken::test_conformance?fetch? - AssertionError*",
        ]
    )


def test_a_run_that_skips_most_checks_says_so(pytester: pytest.Pytester) -> None:
    # FETCH only, and no faults configured: most checks need push, list or pull.
    pytester.makepyfile(test_broken=MODULE.replace("CAPS", "Capability.FETCH"))
    result = pytester.runpytest_inprocess("-ra", "-p", "no:randomly")
    outcomes = result.parseoutcomes()
    assert outcomes["skipped"] > outcomes["passed"] + outcomes["failed"]
    assert outcomes["xfailed"] == 1
    result.stdout.fnmatch_lines(["XFAIL *test_conformance_coverage*"])
    result.stdout.fnmatch_lines(
        [
            "*conformance suite: most checks skipped*",
            "WARNING *TestBroken: * of * conformance checks were skipped (*molisa does not "
            "declare*): the suite checks little of this connector",
        ]
    )
