"""The MONRE SOAP mock on its own: raw envelopes over real loopback HTTP.

What a hostile or broken client can post: a body that breaks the XSD, an XXE
payload, a billion-laughs payload, a wrong key. Each is answered with a SOAP 1.1
Fault (HTTP 500, text/xml) and nothing is expanded, fetched or applied.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from lxml import etree

from hub.testing.mock.admin import MockConfig
from hub.testing.mock.server import RunningServer
from mocks.monre.app import ENDPOINT, create_app

KEY = "test-key"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:monre.gov.vn:dvcthietyeu:v1"
MA = "000.00.22.H34-251125-0001"


def soap(body: str, *, key: str = KEY, idempotency: str | None = None) -> bytes:
    extra = f"<tn:KhoaYeuCau>{idempotency}</tn:KhoaYeuCau>" if idempotency else ""
    return (
        f'<soap:Envelope xmlns:soap="{ENV}" xmlns:tn="{NS}"><soap:Header>'
        f"<tn:XacThuc><tn:MaDonVi>000.00.22.H34</tn:MaDonVi><tn:KhoaTruyCap>{key}"
        f"</tn:KhoaTruyCap></tn:XacThuc>{extra}</soap:Header>"
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()


def step(trang_thai: str = "4") -> str:
    return (
        f"<tn:CapNhatTienDo><tn:MaHoSo>{MA}</tn:MaHoSo><tn:BuocXuLy>"
        "<tn:Buoc>Thẩm định hồ sơ</tn:Buoc>"
        f"<tn:TrangThai>{trang_thai}</tn:TrangThai><tn:PhongBan>Phòng Tài nguyên nước</tn:PhongBan>"
        "<tn:BatDau>2025-11-25T08:00:00+07:00</tn:BatDau>"
        "<tn:HanXuLy>2025-11-28T16:30:00+07:00</tn:HanXuLy>"
        "<tn:NoiDung>Thẩm định hồ sơ, kiểm tra thực địa</tn:NoiDung>"
        "</tn:BuocXuLy></tn:CapNhatTienDo>"
    )


def fault_of(response: httpx.Response) -> dict[str, Any]:
    """The fault's code, string and LoiDichVu of a SOAP 1.1 Fault answer."""
    assert response.status_code == 500, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    fault = root.find(f"{{{ENV}}}Body/{{{ENV}}}Fault")
    assert fault is not None, response.text
    return {
        "faultcode": fault.findtext("faultcode"),
        "faultstring": fault.findtext("faultstring"),
        "MaLoi": fault.findtext(f"detail/{{{NS}}}LoiDichVu/{{{NS}}}MaLoi"),
        "TruongLoi": fault.findtext(f"detail/{{{NS}}}LoiDichVu/{{{NS}}}TruongLoi"),
    }


@pytest.fixture
def mock(serve_app: Any) -> Iterator[RunningServer]:
    server = serve_app(create_app(MockConfig(accept_key=KEY)))
    yield server


@pytest.fixture
def http(mock: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=10) as client:
        yield client


def post(http: httpx.Client, body: bytes) -> httpx.Response:
    return http.post(ENDPOINT, content=body, headers={"Content-Type": "text/xml; charset=utf-8"})


def test_wsdl_is_served(http: httpx.Client) -> None:
    response = http.get(ENDPOINT, params={"wsdl": ""})
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag == "{http://schemas.xmlsoap.org/wsdl/}definitions"
    assert str(http.base_url).rstrip("/").encode() in response.content  # address rewritten
    assert http.get(ENDPOINT, params={"xsd": ""}).content.startswith(b"<?xml")


def test_an_envelope_that_breaks_the_xsd_is_refused_and_recorded(http: httpx.Client) -> None:
    fault = fault_of(post(http, soap(step(trang_thai="44"), idempotency="k-1")))
    assert fault["faultcode"] == "soap:Client"
    assert fault["MaLoi"] == "INVALID"
    assert fault["TruongLoi"] == "BuocXuLy.TrangThai"
    violations = http.get("/_mock/stats").json()["contract_violations"]
    assert violations[-1]["path"] == f"{ENDPOINT}#CapNhatTienDo"
    assert violations[-1]["field"] == "BuocXuLy.TrangThai"
    # The rule is named, the value is not: bodies hold personal data.
    assert "44" not in violations[-1]["error"]
    assert "maxInclusive" in violations[-1]["error"]
    assert http.get("/_mock/received").json() == []


def test_a_wrong_key_is_an_auth_fault(http: httpx.Client) -> None:
    fault = fault_of(post(http, soap("<tn:KiemTraKetNoi/>", key="wrong")))
    assert (fault["faultcode"], fault["MaLoi"]) == ("soap:Client", "AUTH")


XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n' + soap(
    "<tn:TraCuuHoSo><tn:MaHoSo>&e;</tn:MaHoSo></tn:TraCuuHoSo>"
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>\n"
    + soap("<tn:TraCuuHoSo><tn:MaHoSo>&lol9;</tn:MaHoSo></tn:TraCuuHoSo>")
)
#: The same XXE with the DOCTYPE pushed past the first 4 KiB by a comment: the parser's
#: own check (docinfo) must catch what the cheap byte scan does not see.
DEEP_XXE = b'<?xml version="1.0"?>\n<!--' + b"x" * 5000 + b"-->\n" + XXE.split(b"\n", 1)[1]


@pytest.mark.parametrize(
    "payload",
    [XXE, LAUGHS, DEEP_XXE],
    ids=["xxe", "billion_laughs", "xxe_after_4k"],  # external entity; expansion bomb; deep DTD
)
def test_dtd_and_entities_are_refused_without_expansion(http: httpx.Client, payload: bytes) -> None:
    started = time.monotonic()
    response = post(http, payload)
    fault = fault_of(response)
    assert (fault["faultcode"], fault["MaLoi"]) == ("soap:Client", "INVALID")
    assert "DTD" in (fault["faultstring"] or "")
    assert b"root:" not in response.content  # nothing of /etc/passwd
    assert b"lollol" not in response.content  # nothing expanded
    assert len(response.content) < 2000
    assert time.monotonic() - started < 2
    stats = http.get("/_mock/stats").json()
    assert stats["records"] == 0 and stats["accepted"] == 0
    assert stats["contract_violations"][-1]["field"] == ""


def test_not_xml_is_a_client_fault(http: httpx.Client) -> None:
    fault = fault_of(post(http, b"<soap:Envelope"))
    assert (fault["faultcode"], fault["MaLoi"]) == ("soap:Client", "INVALID")


def test_writes_are_deduplicated_by_khoa_yeu_cau(http: httpx.Client) -> None:
    assert fault_of(post(http, soap(step(), idempotency="k-2")))["MaLoi"] == "NOT_FOUND"
    code = http.post("/_mock/seed", json={"count": 1, "seed": 4}).json()["ma_ho_so"][0]
    body = soap(step().replace(MA, code), idempotency="k-3")
    first, second = post(http, body), post(http, body)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    stats = http.get("/_mock/stats").json()
    assert stats["duplicates"] == 1
    assert [r["idempotency_key"] for r in http.get("/_mock/received").json()] == ["k-3"]
    assert http.get(f"/_mock/records/{code}").json()["applied"] == 1


@pytest.mark.parametrize(
    ("kind", "faultcode", "code"),
    [
        ("soap_busy", "soap:Server", "BUSY"),  # transient at the connector
        ("soap_timeout", "soap:Server", "TIMEOUT"),  # transient
        ("soap_invalid", "soap:Client", "INVALID"),  # permanent
        ("soap_auth", "soap:Client", "AUTH"),  # permanent
    ],
    ids=["busy", "timeout", "invalid", "auth"],
)
def test_soap_fault_injection(http: httpx.Client, kind: str, faultcode: str, code: str) -> None:
    http.post("/_mock/faults", json={"faults": [{"kind": kind, "count": 1}]}).raise_for_status()
    fault = fault_of(post(http, soap("<tn:KiemTraKetNoi/>")))
    assert (fault["faultcode"], fault["MaLoi"]) == (faultcode, code)
    assert post(http, soap("<tn:KiemTraKetNoi/>")).status_code == 200  # count spent
    stats = http.get("/_mock/stats").json()
    assert stats["faults_injected"] == {kind: 1}
    assert stats["requests"] == 1  # the faulted request never reached the ministry


def test_faults_endpoint_keeps_standard_kinds_and_validates(http: httpx.Client) -> None:
    faults = [{"kind": "http_503", "count": 1}, {"kind": "soap_busy", "count": 2}]
    answer = http.post("/_mock/faults", json={"faults": faults}).json()
    assert [f["kind"] for f in answer["faults"]] == ["http_503", "soap_busy"]
    assert post(http, soap("<tn:KiemTraKetNoi/>")).status_code == 503
    assert http.post("/_mock/faults", json={"faults": [{"kind": "nope"}]}).status_code == 422
    http.post("/_mock/reset").raise_for_status()
    assert http.get("/_mock/faults").json() == {"faults": []}
