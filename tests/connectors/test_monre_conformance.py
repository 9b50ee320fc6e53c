"""The MONRE connector passes the shared conformance suite against its SOAP mock."""

from __future__ import annotations

from typing import Any

from connectors.monre.connector import MonreConnector
from connectors.monre.demo import luu_vao_kho_event
from connectors.monre.settings import MonreSettings
from hub.errors import RejectedError, TransientError
from hub.models import DossierEvent
from hub.testing import FaultCase, SuiteConfig, conformance_tests
from hub.testing.conformance import DEFAULT_FAULTS
from hub.testing.mock.admin import MockConfig
from hub.testing.samples import sample_lifecycle
from mocks.monre.app import create_app

ACCESS_KEY = "conformance-key"

#: An environment procedure of the catalog (hub/data/catalog/tai_nguyen_moi_truong.json).
MA_TTHC = "1.011516.H34"
TEN_TTHC = "Đăng ký khai thác sử dụng nước mặt, nước biển"


def make_connector(base_url: str, timeout_seconds: float = 10.0) -> MonreConnector:
    settings = MonreSettings(
        base_url=base_url,
        access_key=ACCESS_KEY,
        timeout_seconds=timeout_seconds,
        page_size=2,
        ma_don_vi="000.00.22.H34",
    )
    return MonreConnector(settings)


def make_fast_connector(base_url: str) -> MonreConnector:
    return make_connector(base_url, timeout_seconds=0.5)


def make_mock() -> Any:
    return create_app(MockConfig(accept_key=ACCESS_KEY))


def monre_lifecycle(seed: int) -> list[DossierEvent]:
    """The sample lifecycle (received, processing, processed, returned) as a water-use
    dossier, then "Lưu vào kho" with the officer's extracted data."""
    events = []
    for event in sample_lifecycle(seed):
        snapshot = event.snapshot.model_copy(
            update={"ma_tthc": MA_TTHC, "ten_tthc": TEN_TTHC, "ten_linh_vuc": "Tài nguyên nước"}
        )
        events.append(event.model_copy(update={"snapshot": snapshot}))
    return [*events, luu_vao_kho_event(events[-1])]


TestMonreConformance = conformance_tests(
    make_connector,
    mock_app=make_mock,
    config=SuiteConfig(
        lifecycle=monre_lifecycle,
        faults=(
            *DEFAULT_FAULTS,
            # SOAP Faults carry LoiDichVu/MaLoi; the connector maps it (client.FAULT_CODES).
            FaultCase("busy", TransientError),  # MaLoi BUSY, soap:Server
            FaultCase("soap_timeout", TransientError),  # MaLoi TIMEOUT, soap:Server
            FaultCase("soap_server", TransientError),  # soap:Server without a code
            FaultCase("soap_invalid", RejectedError),  # MaLoi INVALID, soap:Client
            FaultCase("soap_auth", RejectedError),  # MaLoi AUTH, soap:Client
            FaultCase("soap_malformed", TransientError),  # applied, then a cut-off envelope
        ),
        fast_timeout_factory=make_fast_connector,
        list_page_size=2,  # make_connector lists 2 a page: LIST is checked over pages
    ),
)
