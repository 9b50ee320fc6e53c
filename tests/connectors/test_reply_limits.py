"""What the hub parses from ministries is bounded (issue #23), over real loopback HTTP.

* MONRE: a reply of 400,000 attributes (the mock's ``soap_bloated`` fault) is refused
  by the pre-scan before zeep sees it; a reply over ``max_reply_bytes`` is refused
  as it streams in. Both are permanent ContractErrors naming the limit.
* REST connectors (:class:`hub.http.ConnectorHttp`): a reply over ``max_reply_bytes``
  is refused from its Content-Length, or from the stream when it has none.
* The pre-scan itself: depth, elements, attributes; broken XML is left to the parser.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from connectors.monre.connector import MonreConnector
from connectors.monre.settings import MonreSettings
from hub.connector_settings import ConnectorSettings
from hub.errors import ContractError
from hub.http import ConnectorHttp
from hub.testing.mock.admin import MockConfig
from hub.xmllimits import XmlLimitError, XmlLimits, check_xml
from mocks.monre.app import create_app

KEY = "test-key"
MA = "000.00.22.H34-251125-0001"


@pytest.fixture
def monre_url(serve_app: Any) -> str:
    return str(serve_app(create_app(MockConfig(accept_key=KEY))).url)


def call(url: str, what: str, **settings: Any) -> Any:
    """The connector's ``fetch(MA)`` or ``pull(None)``, or the ContractError it raised."""

    async def main() -> Any:
        connector = MonreConnector(
            MonreSettings(
                **{
                    "base_url": url,
                    "access_key": KEY,
                    "timeout_seconds": 20,
                    "ma_don_vi": "000.00.22.H34",
                    **settings,
                }
            )
        )
        try:
            return await (connector.fetch(MA) if what == "fetch" else connector.pull(None))
        except ContractError as exc:
            return exc
        finally:
            await connector.aclose()

    return asyncio.run(main())


def test_a_reply_of_400k_attributes_is_refused_before_zeep(monre_url: str) -> None:
    faults = {"faults": [{"kind": "soap_bloated", "count": 1}]}
    httpx.post(monre_url + "/_mock/faults", json=faults, timeout=10).raise_for_status()
    error = call(monre_url, "fetch")
    assert isinstance(error, ContractError), error
    assert error.code == "reply_too_complex" and error.system == "monre"
    assert "attributes on one element over the limit of 64" in str(error)


def test_a_monre_reply_over_max_reply_bytes_is_refused_unread(monre_url: str) -> None:
    httpx.post(monre_url + "/_mock/seed", json={"count": 5, "seed": 3}, timeout=10)
    assert len(call(monre_url, "pull").items) == 5  # a few KB: fine by default
    error = call(monre_url, "pull", max_reply_bytes=1024)
    assert isinstance(error, ContractError), error
    assert error.code == "reply_too_large" and "1024 bytes" in str(error)


def wsdl_error(url: str, limit: int) -> BaseException | None:
    async def main() -> BaseException | None:
        pool = ConnectorHttp(ConnectorSettings(base_url=url, max_reply_bytes=limit), system="x")
        try:
            await pool.client().get("/DichVuThietYeu.asmx", params={"wsdl": ""})
        except ContractError as exc:
            return exc
        finally:
            await pool.aclose()
        return None

    return asyncio.run(main())


def test_connector_http_refuses_a_reply_over_its_content_length(monre_url: str) -> None:
    assert wsdl_error(monre_url, 1024 * 1024) is None  # the WSDL fits a generous limit
    error = wsdl_error(monre_url, 1024)
    assert isinstance(error, ContractError) and error.code == "reply_too_large"
    assert "declared" in str(error) and error.system == "x"


def streaming_app() -> Starlette:
    """A server answering 1 MiB in chunks with no Content-Length (a gateway would)."""

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(64):
            yield b"x" * 16384

    async def big(request: Request) -> Response:
        return StreamingResponse(chunks(), media_type="application/json")

    return Starlette(routes=[Route("/big", big)])


def test_connector_http_refuses_a_streamed_reply_once_past_the_limit(serve_app: Any) -> None:
    url = str(serve_app(streaming_app()).url)

    async def main() -> BaseException | None:
        pool = ConnectorHttp(ConnectorSettings(base_url=url, max_reply_bytes=64 * 1024))
        try:
            response = await pool.client().get("/big")
            assert "content-length" not in response.headers
        except ContractError as exc:
            return exc
        finally:
            await pool.aclose()
        return None

    error = asyncio.run(main())
    assert isinstance(error, ContractError) and error.code == "reply_too_large"
    assert "declared" not in str(error)  # found from the stream


def envelope(inner: str) -> bytes:
    return (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<soap:Body>{inner}</soap:Body></soap:Envelope>"
    ).encode()


LIMITS = XmlLimits(
    max_bytes=1_000_000,
    max_depth=10,
    max_elements=100,
    max_attributes=50,
    max_attributes_per_element=8,
)


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (envelope("<a>" * 9 + "</a>" * 9), "nesting depth"),
        (envelope("<a>" * 400 + "</a>" * 400), "nesting depth"),  # past libxml2's own 256
        (envelope("<b/>" * 99), "elements"),
        (envelope("<b x='1' y='2'/>" * 26), "attributes"),
        (envelope("<b " + " ".join(f"a{i}='1'" for i in range(9)) + "/>"), "attributes on one"),
        (b" " * 1_000_001, "bytes"),
    ],
)
def test_the_pre_scan_names_the_limit_passed(body: bytes, what: str) -> None:
    with pytest.raises(XmlLimitError) as info:
        check_xml(body, LIMITS)
    assert info.value.what.startswith(what)


def test_the_pre_scan_lets_ordinary_and_broken_documents_through() -> None:
    check_xml(envelope("<a><b x='1'>text</b></a>" * 20), LIMITS)
    check_xml(b"<not-xml", LIMITS)  # the real parser reports it
    check_xml(b"", LIMITS)
