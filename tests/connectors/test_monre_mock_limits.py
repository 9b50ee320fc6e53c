"""The MONRE mock bounds what it reads and echoes nothing of it (issue #23).

A body past 5 MiB is refused from its Content-Length or, chunked, from the stream;
420,000 attributes are refused by the pre-scan before lxml builds a tree; a 64k
MaHoSo holding a CCCD, or an operation named after one, is not echoed in the fault
nor in ``/_mock/stats``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hub.testing.mock.admin import MockConfig
from mocks.monre.app import ENDPOINT, create_app
from mocks.monre.soap import MAX_BYTES

from .test_monre_mock import KEY, fault_of, soap

CCCD = "079201001234"


@pytest.fixture
def http(serve_app: Any) -> Iterator[httpx.Client]:
    server = serve_app(create_app(MockConfig(accept_key=KEY)))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def post(http: httpx.Client, body: Any) -> httpx.Response:
    return http.post(ENDPOINT, content=body, headers={"Content-Type": "text/xml; charset=utf-8"})


def test_a_long_value_with_a_cccd_is_not_echoed(http: httpx.Client) -> None:
    # quotes in the value once shifted the masking of lxml's message onto the text around it
    ma = (f"x' {CCCD} " * 5000)[:64_000]
    response = post(http, soap(f"<tn:TraCuuHoSo><tn:MaHoSo>{ma}</tn:MaHoSo></tn:TraCuuHoSo>"))
    fault = fault_of(response)
    assert fault["MaLoi"] == "INVALID" and fault["TruongLoi"] == "MaHoSo"
    assert "pattern" in fault["faultstring"]
    assert CCCD not in response.text and len(response.content) < 2000
    stats = http.get("/_mock/stats")
    assert CCCD not in stats.text and stats.json()["contract_violations"][-1]["field"] == "MaHoSo"


def test_an_unknown_operation_or_element_name_is_not_echoed(http: httpx.Client) -> None:
    for body in (
        f"<tn:Op{CCCD}/>",
        f"<tn:TraCuuHoSo><tn:X{CCCD}>1</tn:X{CCCD}></tn:TraCuuHoSo>",
    ):
        response = post(http, soap(body))
        assert fault_of(response)["MaLoi"] == "INVALID"
        assert CCCD not in response.text
    assert CCCD not in http.get("/_mock/stats").text


def test_a_body_over_the_limit_is_refused_from_its_content_length(http: httpx.Client) -> None:
    body = soap("<tn:KiemTraKetNoi/>") + b" " * MAX_BYTES
    fault = fault_of(post(http, body))
    assert fault["MaLoi"] == "INVALID" and fault["faultstring"] == "Yêu cầu quá lớn"
    assert http.get("/_mock/stats").json()["requests"] == 0  # refused before it counted


def test_a_chunked_body_over_the_limit_is_refused_from_the_stream(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield soap("<tn:KiemTraKetNoi/>")
        for _ in range(MAX_BYTES // 65536 + 2):
            yield b" " * 65536

    try:
        response = post(http, chunks())
    except httpx.TransportError:
        # the server may answer and close while the client is still sending
        response = None
    if response is not None:
        assert "content-length" not in response.request.headers
        assert fault_of(response)["faultstring"] == "Yêu cầu quá lớn"
    assert http.get("/_mock/stats").json()["requests"] == 0


def test_420k_attributes_in_a_request_are_refused_before_a_tree_is_built(
    http: httpx.Client,
) -> None:
    names = " ".join(f'a{i}="1"' for i in range(420_000))
    body = soap(f"<tn:KiemTraKetNoi {names}/>")
    assert len(body) < MAX_BYTES
    fault = fault_of(post(http, body))
    assert fault["MaLoi"] == "INVALID" and "quá phức tạp" in fault["faultstring"]
