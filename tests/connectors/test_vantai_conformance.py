"""The vantai connector passes the shared conformance suite (FETCH and LOOKUP) against
its mock, which holds the seeded transport dossiers after every reset."""

from __future__ import annotations

from connectors.vantai.connector import VantaiConnector
from connectors.vantai.settings import VantaiSettings
from hub.errors import RejectedError, TransientError
from hub.testing import FaultCase, SuiteConfig, conformance_tests
from hub.testing.conformance import DEFAULT_FAULTS, LookupCase
from hub.testing.mock.admin import MockConfig
from mocks.vantai.app import PASSWORD, create_app

API_KEY = "conformance-key"
FIRST = "000.00.22.H34-250801-0001"
UNKNOWN = "000.00.22.H34-250101-9999"


def make_connector(base_url: str, timeout_seconds: float = 10.0) -> VantaiConnector:
    settings = VantaiSettings(
        base_url=base_url,
        username="kontum",
        password=PASSWORD,
        ma_don_vi="000.00.22.H34",
        api_key=API_KEY,
        timeout_seconds=timeout_seconds,
    )
    return VantaiConnector(settings)


def make_fast_connector(base_url: str) -> VantaiConnector:
    return make_connector(base_url, timeout_seconds=0.5)


def make_mock() -> object:
    return create_app(MockConfig(accept_key=API_KEY))


LOOKUP_CASES = (
    LookupCase(
        "danh_sach_ho_so",
        {"don_vi_xu_ly": "SXD-QNG", "tu_ngay": "2025-08-01", "den_ngay": "2025-08-31"},
        expect={"ma_ho_so": FIRST, "ngay_nhan": "2025-08-01", "trang_thai": "Được tiếp nhận"},
        unknown={"don_vi_xu_ly": "KHONG-CO", "tu_ngay": "2025-08-01", "den_ngay": "2025-08-31"},
    ),
    LookupCase(
        "tra_cuu_ho_so",
        {"ma_ho_so": FIRST},
        expect={"ma_ho_so": FIRST, "ma_tthc": "1.002861", "don_vi_xu_ly": "SXD-QNG"},
        unknown={"ma_ho_so": UNKNOWN},
    ),
    LookupCase(
        "tai_lieu_ho_so",
        {"ma_ho_so": FIRST},
        expect={"ma_thanh_phan": "TP01", "ten_tep": "don-de-nghi.pdf"},
        min_items=2,
        unknown={"ma_ho_so": UNKNOWN},
    ),
    LookupCase("thong_ke_theo_thang", {"nam": 2025}, expect={"thang": 8}, min_items=3),
)

TestVantaiConformance = conformance_tests(
    make_connector,
    mock_app=make_mock,
    config=SuiteConfig(
        faults=(*DEFAULT_FAULTS, FaultCase("busy", TransientError)),
        fast_timeout_factory=make_fast_connector,
        credentials_error=RejectedError,
        lookup_cases=LOOKUP_CASES,
    ),
)
