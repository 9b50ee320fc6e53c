"""The ngansach connector (SOAP) passes the shared conformance suite (LOOKUP) against its
mock; its WSDL and XSD load offline in zeep, and the mock refuses an envelope that
breaks the XSD."""

from __future__ import annotations

import httpx
import pytest
import zeep
from zeep.transports import Transport

from connectors.ngansach.client import WSDL_PATH
from connectors.ngansach.connector import NgansachConnector
from connectors.ngansach.settings import NgansachSettings
from hub.errors import RejectedError, TransientError
from hub.testing import FaultCase, SuiteConfig, conformance_tests
from hub.testing.conformance import DEFAULT_FAULTS, LookupCase
from hub.testing.mock import MockConfig, start_server
from mocks.ngansach.app import ENDPOINT, create_app

KEY = "conformance-key"
UNIT = "000.00.22.H34"  # the province's unit code
FIRST = "000.00.14.H34-250915-0001"


def make_connector(base_url: str, timeout_seconds: float = 10.0) -> NgansachConnector:
    return NgansachConnector(
        NgansachSettings(
            base_url=base_url, access_key=KEY, timeout_seconds=timeout_seconds, ma_don_vi=UNIT
        )
    )


def make_fast_connector(base_url: str) -> NgansachConnector:
    return make_connector(base_url, timeout_seconds=0.5)


def make_mock() -> object:
    return create_app(MockConfig(accept_key=KEY))


LOOKUP_CASES = (
    LookupCase(
        "ho_so_theo_ngay",
        {"ngay": "2025-09-16"},
        expect={"ma_ho_so": "000.00.14.H34-250916-0001", "loai_hinh": "Dự án đầu tư",
                "ma_so": "7110311", "trang_thai": "Đã trả kết quả"},
        min_items=3,
        unknown={"ngay": "2024-01-01"},
    ),
    LookupCase(
        "chi_tiet_ho_so",
        {"ma_ho_so": FIRST},
        expect={"ten_don_vi": "Trường Tiểu học Lê Lợi, phường Kon Tum",
                "loai_hinh": "Đơn vị sử dụng ngân sách", "ma_tinh": "51",
                "mau_ke_khai": "07-MSNS-BTC"},
        unknown={"ma_ho_so": "000.00.14.H34-250101-9999"},
    ),
    LookupCase(
        "thong_ke_theo_ky",
        {"tu_ngay": "2025-09-01", "den_ngay": "2025-09-30"},
        expect={"loai_hinh": "Dự án đầu tư", "tiep_nhan": 4},
        min_items=4,
        unknown={"tu_ngay": "2024-01-01", "den_ngay": "2024-01-31"},
    ),
)  # fmt: skip

TestNgansachConformance = conformance_tests(
    make_connector,
    mock_app=make_mock,
    config=SuiteConfig(
        faults=(*DEFAULT_FAULTS, FaultCase("busy", TransientError)),
        fast_timeout_factory=make_fast_connector,
        credentials_error=RejectedError,
        lookup_cases=LOOKUP_CASES,
    ),
)


class _Offline(Transport):
    def _load_remote_data(self, url: str) -> bytes:
        raise AssertionError(f"zeep reached for the network: {url}")


def test_wsdl_loads_offline() -> None:
    client = zeep.Client(
        str(WSDL_PATH), transport=_Offline(),
        settings=zeep.Settings(strict=True, forbid_external=True, forbid_dtd=True),
    )  # fmt: skip
    operations = client.wsdl.bindings["{urn:tthc-hub:ngansach:v1}DichVuSoap"]._operations
    assert {"DanhSachHoSoTheoNgay", "ChiTietHoSo", "ThongKeTheoKy"} <= set(operations)


ENVELOPE = """<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
               xmlns:tn="urn:tthc-hub:ngansach:v1">
  <soap:Header><tn:XacThuc><tn:MaDonVi>000.00.22.H34</tn:MaDonVi>
    <tn:KhoaTruyCap>{key}</tn:KhoaTruyCap></tn:XacThuc></soap:Header>
  <soap:Body><tn:DanhSachHoSoTheoNgay><tn:Ngay>{day}</tn:Ngay></tn:DanhSachHoSoTheoNgay></soap:Body>
</soap:Envelope>"""


@pytest.fixture(scope="module")
def mock_url() -> object:
    server = start_server(make_mock())
    yield server.url
    server.stop()


def test_the_mock_refuses_an_envelope_breaking_the_xsd(mock_url: str) -> None:
    post = lambda day: httpx.post(  # noqa: E731
        mock_url + ENDPOINT, content=ENVELOPE.format(key=KEY, day=day).encode(),
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )  # fmt: skip
    assert post("2025-09-16").status_code == 200
    refused = post("16/09/2025")  # the XSD wants yyyy-MM-dd
    assert refused.status_code == 500 and "INVALID" in refused.text and "Ngay" in refused.text
    stats = httpx.get(mock_url + "/_mock/stats").json()
    assert any(v["field"].endswith("Ngay") for v in stats["contract_violations"])
