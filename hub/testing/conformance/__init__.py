"""The connector conformance suite (Meltano SDK's ``get_tap_test_class`` pattern).

A connector package's test module opens with::

    from hub.testing import SuiteConfig, conformance_tests
    from mocks.monre.app import create_app

    TestMonreConformance = conformance_tests(make_connector, mock_app=create_app)

``make_connector(base_url) -> Connector`` builds the connector against the mock's
URL. :func:`conformance_tests` returns a pytest class with one test per check
(``test_conformance[fetch]``, ``[list_period]``, ``[fault_http_503]`` ...) and a
last one, ``test_conformance_coverage``, that says so when more than half of the
checks were skipped. Each check runs against the connector's bundled mock over real
loopback HTTP, reset between checks with ``POST /_mock/reset``, and is skipped, with
the reason, when the connector does not declare the capability it needs.

Every capability is checked with real data: FETCH and LIST read records seeded in
the mock with a known status, history and date (``POST /_mock/records``); faults,
busy answers and a refused key (``POST /_mock/credentials``) go through every
declared capability, and so does the search for personal data in logs and errors.

What differs between connectors lives in :class:`SuiteConfig`, never in
``if name == ...``. The mock conventions the suite relies on are those of
:func:`hub.testing.mock.admin_router` (docs/mocks.md); docs/conformance.md lists
the checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hub.testing.conformance.checks_faults import FaultCheck, HealthCheck, WrongCredentials
from hub.testing.conformance.checks_logs import ContractCheck, LogsCheck
from hub.testing.conformance.checks_lookups import LookupCase, LookupNotFoundCheck, LookupSeeded
from hub.testing.conformance.checks_read import FetchSeeded, ListPeriod, PullAndAcknowledge
from hub.testing.conformance.checks_write import (
    FetchAfterPush,
    IdempotentRepush,
    InvalidDossier,
    ListAfterPush,
    PushRoundTrip,
)
from hub.testing.conformance.config import (
    DEFAULT_FAULTS,
    READ_STATUSES,
    ConnectorFactory,
    FaultCase,
    SuiteConfig,
    seeded_period,
    strip_identity,
)
from hub.testing.conformance.context import Check, SuiteContext
from hub.testing.mock.server import RunningServer, start_server
from hub.testing.plugin import CONFORMANCE_COVERAGE, Coverage

__all__ = [
    "CHECKS",
    "DEFAULT_FAULTS",
    "READ_STATUSES",
    "Check",
    "Coverage",
    "FaultCase",
    "LookupCase",
    "SuiteConfig",
    "SuiteContext",
    "build_checks",
    "conformance_tests",
    "seeded_period",
    "strip_identity",
]


def build_checks(config: SuiteConfig) -> list[Check]:
    """The checks for ``config``: the fixed ones, and one per configured fault."""
    return [
        PushRoundTrip(),
        FetchAfterPush(),
        IdempotentRepush(),
        FetchSeeded(),
        ListPeriod(),
        ListAfterPush(),
        PullAndAcknowledge(),
        *(FaultCheck(case) for case in config.faults),
        WrongCredentials(),
        InvalidDossier(),
        HealthCheck(),
        ContractCheck(),
        LogsCheck(),
        LookupSeeded(),
        LookupNotFoundCheck(),
    ]


#: The names of the checks with the default configuration.
CHECKS = tuple(check.name for check in build_checks(SuiteConfig()))


def conformance_tests(
    connector_factory: ConnectorFactory,
    mock_app: Callable[[], Any],
    config: SuiteConfig | None = None,
) -> type:
    """A pytest test class running every check against ``mock_app`` over loopback HTTP.

    :param connector_factory: ``base_url -> Connector``.
    :param mock_app: builds the connector's mock ASGI app (one server per class).
    :param config: the per-connector knobs; defaults to :class:`SuiteConfig()`.
    """
    suite_config = config or SuiteConfig()
    checks = build_checks(suite_config)

    class ConformanceTests:
        """The tthc-hub connector conformance suite (see :mod:`hub.testing.conformance`)."""

        config = suite_config

        @pytest.fixture(scope="class")
        @classmethod
        def conformance_server(cls) -> Iterator[RunningServer]:
            server = start_server(mock_app())
            yield server
            server.stop()

        @pytest.fixture
        def conformance_context(self, conformance_server: RunningServer) -> Iterator[SuiteContext]:
            ctx = SuiteContext(conformance_server.url, connector_factory, suite_config)
            try:
                ctx.reset()
                yield ctx
            finally:
                ctx.close()

        @staticmethod
        def _coverage(request: pytest.FixtureRequest) -> Coverage:
            table = request.config.stash.setdefault(CONFORMANCE_COVERAGE, {})
            suite = request.node.nodeid.split("::test_conformance")[0]
            if suite not in table:
                table[suite] = Coverage(share=suite_config.max_skipped_share)
            return table[suite]

        @pytest.mark.parametrize("check", checks, ids=[c.name for c in checks])
        def test_conformance(
            self, check: Check, conformance_context: SuiteContext, request: pytest.FixtureRequest
        ) -> None:
            coverage = self._coverage(request)
            coverage.ran.add(check.name)
            try:
                conformance_context.require(check.requires)
                check.check(conformance_context)
            except pytest.skip.Exception as exc:
                coverage.skipped[check.name] = str(exc)
                raise

        def test_conformance_coverage(self, request: pytest.FixtureRequest) -> None:
            """Says so (xfail, and a warning in the terminal summary) when more than
            ``SuiteConfig.max_skipped_share`` of the checks were skipped."""
            coverage = self._coverage(request)
            if coverage.too_thin:
                pytest.xfail(coverage.message)

    return ConformanceTests
