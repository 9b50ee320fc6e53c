"""The dkdn connector passes the shared conformance suite (LOOKUP) against its mock,
which holds the seeded businesses and dossiers after every reset."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from connectors.dkdn.connector import DkdnConnector
from connectors.dkdn.settings import DkdnSettings
from hub.errors import RejectedError, TransientError
from hub.testing import FaultCase, SuiteConfig, conformance_tests
from hub.testing.conformance import DEFAULT_FAULTS, LookupCase
from hub.testing.mock.admin import MockConfig
from mocks.dkdn.app import create_app

API_KEY = "conformance-key"
#: Valid check digits, held by nobody (the seed has other numbers).
UNKNOWN_MST = "0100109106"


def make_connector(base_url: str, timeout_seconds: float = 10.0) -> DkdnConnector:
    return DkdnConnector(
        DkdnSettings(base_url=base_url, api_key=API_KEY, timeout_seconds=timeout_seconds)
    )


def make_fast_connector(base_url: str) -> DkdnConnector:
    return make_connector(base_url, timeout_seconds=0.5)


def make_mock() -> object:
    return create_app(MockConfig(accept_key=API_KEY))


def today() -> str:
    return datetime.now(timezone(timedelta(hours=7))).date().isoformat()


LOOKUP_CASES = (
    LookupCase(
        "chi_tiet_doanh_nghiep",
        {"msdn": "6100234563"},
        expect={
            "ten": "Công ty TNHH Vận tải Hoàng Long Kon Tum",
            "ma_tinh": "51",
            "ngay_cap": "2012-03-12",
            "tinh": "Quảng Ngãi",
        },
        unknown={"msdn": UNKNOWN_MST},
    ),
    LookupCase(
        "chi_tiet_ho_kinh_doanh",
        {"mst": "6101122333"},
        expect={"ten": "Hộ kinh doanh Tạp hóa Bình An", "loai_hinh": "Hộ kinh doanh"},
        unknown={"mst": UNKNOWN_MST},
    ),
    LookupCase(
        "chi_tiet_hop_tac_xa",
        {"mst": "6101345604"},
        expect={"loai_hinh": "Hợp tác xã", "ma_so": "6101345604"},
        unknown={"mst": "6100234563"},  # an enterprise, not a cooperative
    ),
    LookupCase(
        "ho_so_tiep_nhan",
        {"tu_ngay": "2025-09-01", "den_ngay": "2025-09-10"},
        expect={"so_ho_so": "DKKD-250901-001", "ngay_tiep_nhan": "2025-09-01"},
        min_items=4,
        unknown={"tu_ngay": "2024-01-01", "den_ngay": "2024-01-31"},
    ),
    LookupCase(
        "ho_so_xu_ly_trong_ngay",
        {"ngay": today()},
        expect={"trang_thai": "Đã cấp đăng ký"},
        min_items=2,
        unknown={"ngay": date(2020, 1, 1).isoformat()},
    ),
)

TestDkdnConformance = conformance_tests(
    make_connector,
    mock_app=make_mock,
    config=SuiteConfig(
        faults=(*DEFAULT_FAULTS, FaultCase("busy", TransientError)),
        fast_timeout_factory=make_fast_connector,
        credentials_error=RejectedError,
        lookup_cases=LOOKUP_CASES,
    ),
)
