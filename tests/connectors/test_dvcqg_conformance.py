"""The national portal (DVCQG) connector passes the shared conformance suite."""

from __future__ import annotations

from typing import Any

from connectors.dvcqg.connector import DvcqgConnector
from connectors.dvcqg.settings import DvcqgSettings
from hub.errors import TransientError
from hub.testing import FaultCase, SuiteConfig, conformance_tests
from hub.testing.conformance import DEFAULT_FAULTS
from hub.testing.mock import MockConfig
from mocks.dvcqg.app import create_app

SECRET = "conformance-key"


def make_connector(base_url: str, timeout_seconds: float = 10.0) -> DvcqgConnector:
    settings = DvcqgSettings(
        base_url=base_url,
        username="ubnd-tinh",
        password=SECRET,
        dstcode="H34",
        madonvi="000.00.00.H34",
        timeout_seconds=timeout_seconds,
        page_size=2,  # small pages, so the listings are paged
    )
    return DvcqgConnector(settings)


def make_fast_connector(base_url: str) -> DvcqgConnector:
    return make_connector(base_url, timeout_seconds=0.5)


def make_mock() -> Any:
    return create_app(MockConfig(accept_key=SECRET))


TestDvcqgConformance = conformance_tests(
    make_connector,
    mock_app=make_mock,
    config=SuiteConfig(
        # "busy" is error_code 99 in an HTTP 200: transient too.
        faults=(*DEFAULT_FAULTS, FaultCase("busy", TransientError)),
        fast_timeout_factory=make_fast_connector,
        list_page_size=2,
    ),
)
