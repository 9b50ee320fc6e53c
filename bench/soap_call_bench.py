"""CPU of one MONRE SOAP call, the connector alone (issue #21): ``python bench/soap_call_bench.py``.

Process CPU per call of this process (never the mock's), ``--events`` "received" events
(one per dossier, as the delivery bench makes them), after a warm-up:

``canned``
    ``MonreConnector.push`` with the network replaced by a canned ``TiepNhanHoSo``
    answer at ``httpx.AsyncHTTPTransport``: the mapping, zeep and the hub's SOAP client
    above httpcore, one call at a time; the lowest of 5 rounds (the least disturbed).
``push`` and ``raw zeep``
    Against the MONRE mock in its own process, 8 in flight: the connector's ``push``
    (mapping included) and zeep's ``AsyncClient`` alone as the delivery bench's raw row
    calls it (body mapped beforehand), alternating twice in this process; the last
    column is push / raw zeep, which a busy machine disturbs less than either figure.

Side by side with another checkout: ``--root /path/to/checkout`` measures that
checkout's ``hub`` and ``connectors`` (the mock stays this tree's). Figures:
docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _bench_util import MA_DON_VI, MOCK_KEY, make_events, self_usage

HERE = Path(__file__).parent
REPLY = (
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
    'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    '<TiepNhanHoSoResponse xmlns="urn:monre.gov.vn:dvcthietyeu:v1">'
    "<MaHoSo>000.00.22.H34-261201-0001</MaHoSo><ThongBao>Đã tiếp nhận hồ sơ</ThongBao>"
    "</TiepNhanHoSoResponse></soap:Body></soap:Envelope>"
).encode()


def cpu() -> float:
    return self_usage()[0]


async def drive(calls: list[Callable[[], Awaitable[Any]]], concurrency: int) -> float:
    """CPU seconds to run ``calls`` with ``concurrency`` in flight."""
    it = iter(calls)

    async def sender() -> None:
        for call in it:
            await call()

    start = cpu()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return cpu() - start


def canned(n: int) -> float:
    """µs a push, network replaced at the transport (lowest of 5 rounds)."""
    import httpx

    async def answer(self: Any, request: httpx.Request) -> httpx.Response:
        await request.aread()
        headers = {"content-type": "text/xml; charset=utf-8", "content-length": str(len(REPLY))}
        return httpx.Response(200, headers=headers, content=REPLY)

    from connectors.monre.connector import MonreConnector
    from connectors.monre.settings import MonreSettings

    nowhere = "http://127.0.0.1:9"  # never reached: the transport answers
    settings = MonreSettings(base_url=nowhere, access_key=MOCK_KEY, ma_don_vi=MA_DON_VI)
    events = make_events("monre", n, "soap-canned")
    real = httpx.AsyncHTTPTransport.handle_async_request
    httpx.AsyncHTTPTransport.handle_async_request = answer  # type: ignore[method-assign]
    try:
        connector = MonreConnector(settings)
        connector.warm_up()

        async def main() -> list[float]:
            for event in events[:100]:
                await connector.push(event, event.snapshot)
            rounds = []
            for _ in range(5):
                start = cpu()
                for event in events:
                    await connector.push(event, event.snapshot)
                rounds.append((cpu() - start) / n * 1e6)
            await connector.aclose()
            return rounds

        return min(asyncio.run(main()))
    finally:
        httpx.AsyncHTTPTransport.handle_async_request = real  # type: ignore[method-assign]


def against_mock(url: str, n: int, mode: str, tag: str) -> float:
    """ms of CPU a call: ``push`` (the connector) or ``raw`` (zeep alone), 8 in flight."""
    import httpx
    import zeep
    from zeep.proxy import AsyncServiceProxy
    from zeep.transports import AsyncTransport

    from connectors.monre import mapping
    from connectors.monre.client import BINDING, ENDPOINT, load_wsdl
    from connectors.monre.connector import MonreConnector
    from connectors.monre.settings import MonreSettings

    settings = MonreSettings(base_url=url, access_key=MOCK_KEY, ma_don_vi=MA_DON_VI)
    events = make_events("monre", n + 1, tag)

    async def push() -> float:
        connector = MonreConnector(settings)
        connector.warm_up()
        calls = [lambda e=e: connector.push(e, e.snapshot) for e in events]
        await calls[0]()  # opens the pool
        used = await drive(calls[1:], 8)
        await connector.aclose()
        return used

    async def raw() -> float:
        document = load_wsdl()
        limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
        http = httpx.AsyncClient(limits=limits, trust_env=False, timeout=60)
        wsdl_http = httpx.Client(trust_env=False)
        transport = AsyncTransport(client=http, wsdl_client=wsdl_http)
        client = zeep.AsyncClient(wsdl=document, transport=transport, settings=document.settings)
        service = AsyncServiceProxy(client, client.wsdl.bindings[BINDING], address=url + ENDPOINT)

        def call(event_id: str, body: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
            auth = {"MaDonVi": settings.ma_don_vi, "KhoaTruyCap": MOCK_KEY}
            headers = {"XacThuc": auth, "KhoaYeuCau": f"raw:{event_id}"}
            return lambda: service.TiepNhanHoSo(**body, _soapheaders=headers)

        calls = [call(e.id, mapping.to_tiep_nhan(e.snapshot)) for e in events]
        await calls[0]()
        used = await drive(calls[1:], 8)
        await http.aclose()
        wsdl_http.close()
        return used

    return asyncio.run(push() if mode == "push" else raw()) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1500, help="calls per round")
    parser.add_argument("--root", type=Path, help="measure this checkout's hub and connectors")
    args = parser.parse_args()
    if args.root:  # before anything imports hub or connectors
        sys.path.insert(0, str(args.root.resolve()))
    import hub

    print(f"code measured: {Path(hub.__file__).parents[1]}")
    n = args.events
    print(f"canned reply, µs a push (lowest of 5 rounds of {n}): {canned(n):.0f}")
    mock = subprocess.Popen(
        [sys.executable, str(HERE / "_bench_child.py"), "mock", json.dumps({"name": "monre"})],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert mock.stdout is not None
        url = next(json.loads(line[6:])["url"] for line in mock.stdout if line.startswith("BENCH "))
        stamp = time.strftime("%H%M%S")
        for r in range(2):
            raw = against_mock(url, n, "raw", f"soap-raw-{stamp}-{r}")
            push = against_mock(url, n, "push", f"soap-push-{stamp}-{r}")
            print(
                f"against the mock, 8 in flight, {n} calls: raw zeep {raw:.2f} ms, "
                f"push {push:.2f} ms CPU a call; push / raw zeep {push / raw:.2f}"
            )
    finally:
        if mock.stdin is not None:
            mock.stdin.close()
        mock.wait(timeout=30)


if __name__ == "__main__":
    main()
