"""The liên thông connector passes the shared conformance suite against its mock."""

from __future__ import annotations

from typing import Any

from connectors.lienthong.connector import LienthongConnector
from connectors.lienthong.settings import LienthongSettings
from hub.models import Dossier, DossierEvent, Status
from hub.testing import SuiteConfig, conformance_tests
from hub.testing.mock.admin import MockConfig
from hub.testing.samples import sample_lifecycle
from mocks.lienthong.app import create_app

PASSWORD = "conformance-key"


def make_connector(base_url: str, timeout_seconds: float = 10.0) -> LienthongConnector:
    return LienthongConnector(
        LienthongSettings(base_url=base_url, user_name="tinh", password=PASSWORD,
                          timeout_seconds=timeout_seconds, page_size=2)
    )  # fmt: skip


def make_fast_connector(base_url: str) -> LienthongConnector:
    return make_connector(base_url, timeout_seconds=0.5)


def make_mock() -> Any:
    return create_app(MockConfig(accept_key=PASSWORD))


def lifecycle(seed: int) -> list[DossierEvent]:
    """Received, processing, processed: liên thông has no code for "returned" (10), so
    a status read back after it would be 4 -> processed, not the 10 pushed."""
    return sample_lifecycle(seed)[:3]


def stopped(dossier: Dossier) -> Dossier:
    """ "Dừng xử lý" (8) has no liên thông code: refused in the mapping, naming trang_thai."""
    return dossier.model_copy(update={"trang_thai": Status.DUNG_XU_LY})


TestLienthongConformance = conformance_tests(
    make_connector,
    mock_app=make_mock,
    config=SuiteConfig(
        lifecycle=lifecycle,
        fast_timeout_factory=make_fast_connector,
        list_page_size=2,  # make_connector lists 2 a page: LIST is checked over pages
        # Status pushes carry no identity data; what they cannot carry is a status
        # without a liên thông code.
        invalid_dossier=stopped,
    ),
)
