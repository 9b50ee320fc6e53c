"""hub.soap.SoapClient (through the MONRE connector's client, against its SOAP mock over
real loopback HTTP): one pool per event loop, closed inside its loop when the loop
shuts down, so no "unclosed socket" ResourceWarning is left to the garbage collector;
headers given as elements reach the ministry; small answers skip the XML scan and
large ones do not."""

from __future__ import annotations

import asyncio
import gc
import ssl
import warnings
from typing import Any

import httpx
import pytest

from connectors.monre.client import MonreClient
from connectors.monre.settings import MonreSettings
from hub.errors import ContractError, RejectedError, TransientError
from hub.soap import SoapClient, tls_context
from hub.testing.mock.admin import MockConfig
from hub.xmllimits import XmlLimits
from mocks.monre.app import create_app

KEY = "test-key"


@pytest.fixture
def url(serve_app: Any) -> str:
    return str(serve_app(create_app(MockConfig(accept_key=KEY))).url)


def _client(url: str, key: str = KEY) -> MonreClient:
    return MonreClient(
        MonreSettings(base_url=url, access_key=key, ma_don_vi="000.00.22.H34", timeout_seconds=5)
    )


def test_a_client_used_in_successive_loops_closes_each_loops_pool(url: str) -> None:
    client = _client(url)
    pools: list[httpx.AsyncClient] = []

    async def use() -> None:
        answer = await client.call("KiemTraKetNoi", {})
        assert answer  # a plain dict
        pools.extend(p.http for p in client._soap._pools.values())

    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(use())  # no aclose(): the loop's shutdown closes the pool
        asyncio.run(use())
        gc.collect()
    assert len(pools) == 2 and pools[0] is not pools[1]
    assert all(p.is_closed for p in pools)
    assert not client._soap._pools
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_aclose_closes_the_running_loops_pool_and_a_later_call_opens_one(url: str) -> None:
    client = _client(url)

    async def main() -> None:
        await client.call("KiemTraKetNoi", {})
        (first,) = [p.http for p in client._soap._pools.values()]
        await client.aclose()
        assert first.is_closed and not client._soap._pools
        await client.call("KiemTraKetNoi", {})
        await client.aclose()

    asyncio.run(main())


def _check_once(client: Any) -> None:
    """One KiemTraKetNoi call in a loop of its own, the client closed after it."""

    async def main() -> None:
        try:
            await client.call("KiemTraKetNoi", {})
        finally:
            await client.aclose()

    asyncio.run(main())


def test_the_credentials_header_is_checked_by_the_ministry(url: str) -> None:
    with pytest.raises(RejectedError) as caught:
        _check_once(_client(url, key="wrong-key"))
    assert caught.value.remote_code == "AUTH"


def test_answers_too_small_to_pass_a_limit_skip_the_scan_others_are_scanned() -> None:
    settings = MonreSettings(base_url="http://127.0.0.1:9", access_key=KEY, ma_don_vi="x")
    limits = XmlLimits(max_depth=4, max_elements=100, max_attributes=10)
    soap = SoapClient(
        settings,
        system="monre",
        contract=lambda: None,  # type: ignore[arg-type,return-value]
        binding="{urn:x}B",
        endpoint="/",
        faults={},
        reply_limits=limits,
    )
    soap.check_reply(b"<a><b><c><d/></c></b></a>")  # 4 "<" pairs: depth 4 at most
    with pytest.raises(ContractError) as caught:
        soap.check_reply(b"<a><b><c><d><e/></d></c></b></a>")  # depth 5
    assert caught.value.code == "reply_too_complex"
    with pytest.raises(ContractError):
        soap.check_reply(b"<a " + b" ".join(b'x%d="1"' % i for i in range(11)) + b"/>")


def test_a_call_sends_the_pools_headers_with_zeeps_and_a_refused_connection_is_transient(
    serve_app: Any,
) -> None:
    """Calls go to the pool's transport directly (not through AsyncClient.send): the
    request still carries the client's headers merged with zeep's, per operation."""
    seen: list[dict[str, str]] = []
    mock = create_app(MockConfig(accept_key=KEY))

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            seen.append({k.decode(): v.decode() for k, v in scope["headers"]})
        await mock(scope, receive, send)

    url = str(serve_app(recording).url)
    client = _client(url)

    async def main() -> None:
        try:
            await client.call("KiemTraKetNoi", {})
            await client.call("TraCuuHoSo", {"MaHoSo": "000.00.22.H34-251015-0001"})
        except RejectedError as exc:  # the mock does not know the dossier
            assert exc.remote_code == "NOT_FOUND"
        finally:
            await client.aclose()

    asyncio.run(main())
    assert len(seen) == 2
    for headers, operation in zip(seen, ("KiemTraKetNoi", "TraCuuHoSo"), strict=True):
        assert headers["accept-encoding"] == "identity"  # the pool's own header
        assert headers["soapaction"].strip('"').endswith(operation)  # zeep's, per operation
        assert headers["content-type"].startswith("text/xml")
        assert headers["host"] == url.split("://", 1)[1].rstrip("/")
        assert int(headers["content-length"]) > 0

    with pytest.raises(TransientError) as caught:
        _check_once(_client("http://127.0.0.1:9"))  # nothing listens on the discard port
    assert caught.value.code == "connection"
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.ConnectError)
    assert cause.request.url == "http://127.0.0.1:9/DichVuThietYeu.asmx"  # names its request


def test_every_pool_shares_one_tls_context_built_once_and_warm_up_builds_it(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpx would build a TLS context (the CA bundle loaded) per client: the SOAP pools of
    every connector and loop share one, which the connector's warm_up builds off the loop."""
    built: list[object] = []
    real = ssl.create_default_context  # what httpx calls to load the CA bundle

    def counting(*args: Any, **kwargs: Any) -> Any:
        context = real(*args, **kwargs)
        built.append(context)
        return context

    monkeypatch.setattr(ssl, "create_default_context", counting)
    tls_context.cache_clear()
    try:
        client, other = _client(url), _client(url)
        client.warm_up()
        assert len(built) == 1

        async def use() -> None:
            await client.call("KiemTraKetNoi", {})
            await other.call("KiemTraKetNoi", {})

        asyncio.run(use())
        asyncio.run(use())  # a second loop: four pools in all, no other context built
        assert len(built) == 1 and built[0] is tls_context()
    finally:
        tls_context.cache_clear()
