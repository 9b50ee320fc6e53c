"""The MOLISA connector passes the shared conformance suite against its mock."""

from __future__ import annotations

from connectors.molisa.connector import MolisaConnector
from connectors.molisa.settings import MolisaSettings
from hub.errors import TransientError
from hub.testing import FaultCase, SuiteConfig, conformance_tests
from hub.testing.conformance import DEFAULT_FAULTS
from hub.testing.mock.admin import MockConfig
from mocks.molisa.app import create_app

ACCEPT_KEY = "conformance-key"


def make_connector(base_url: str, timeout_seconds: float = 10.0) -> MolisaConnector:
    settings = MolisaSettings(
        base_url=base_url, accept_key=ACCEPT_KEY, timeout_seconds=timeout_seconds, page_size=2
    )
    return MolisaConnector(settings)


def make_fast_connector(base_url: str) -> MolisaConnector:
    return make_connector(base_url, timeout_seconds=0.5)


def make_mock() -> object:
    return create_app(MockConfig(accept_key=ACCEPT_KEY))


TestMolisaConformance = conformance_tests(
    make_connector,
    mock_app=make_mock,
    config=SuiteConfig(
        # MOLISA answers "busy" as error_code 99 in an HTTP 200: that is transient too.
        faults=(*DEFAULT_FAULTS, FaultCase("busy", TransientError)),
        fast_timeout_factory=make_fast_connector,
        list_page_size=2,  # make_connector lists 2 a page: LIST is checked over pages
    ),
)
