"""How fast hostile replies are refused (issue #23): ``python bench/reply_limits_bench.py``.

Rows: the pre-scan (``hub.xmllimits.check_xml`` with the MONRE client's limits) on
400,000 attributes on one element and spread over 100,000 elements, and on an
ordinary 500-record page; then the whole MONRE call against the mock's
``soap_bloated`` fault (4.9 MB over loopback, refused before zeep), and for
reference zeep parsing 8,000 and 16,000 attributes with the limits off.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import zeep.exceptions

from connectors.monre.client import REPLY_LIMITS, MonreClient
from connectors.monre.settings import MonreSettings
from hub.errors import ContractError
from hub.testing.mock.admin import MockConfig
from hub.testing.mock.server import start_server
from hub.xmllimits import XmlLimitError, check_xml
from mocks.monre.app import create_app
from mocks.monre.soap import bloated_envelope, envelope


def timed(fn: Callable[[], object]) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        fn()
        outcome = "accepted"
    except (XmlLimitError, ContractError) as exc:
        outcome = f"refused: {getattr(exc, 'code', '')} {exc}"[:70]
    return (time.perf_counter() - start) * 1000, outcome


def spread(attributes: int) -> bytes:
    inner = "".join('<y a="1" b="2" c="3" d="4"/>' for _ in range(attributes // 4))
    return f'<r xmlns="urn:x">{inner}</r>'.encode()


def page(records: int) -> bytes:
    record = {f"F{i}": f"giá trị {i}" for i in range(40)}
    return envelope("DanhSachHoSoResponse", {"HoSo": [record] * records})


def main() -> None:
    rows: list[tuple[str, float, str]] = []
    for name, body in [
        ("scan: 400k attributes, one element", bloated_envelope()),
        ("scan: 400k attributes, 100k elements", spread(400_000)),
        ("scan: ordinary page, 500 records", page(500)),
    ]:
        ms, outcome = timed(lambda body=body: check_xml(body, REPLY_LIMITS))
        rows.append((f"{name} ({len(body) / 1e6:.1f} MB)", ms, outcome))

    server = start_server(create_app(MockConfig(accept_key="k")))
    try:
        faults = {"faults": [{"kind": "soap_bloated", "count": 1}]}
        httpx.post(server.url + "/_mock/faults", json=faults).raise_for_status()
        client = MonreClient(MonreSettings(base_url=server.url, access_key="k"))

        async def call() -> None:
            try:
                await client.call("TraCuuHoSo", {"MaHoSo": "000.00.22.H34-251125-0001"})
            finally:
                await client.aclose()

        ms, outcome = timed(lambda: asyncio.run(call()))
        rows.append(("MONRE call, soap_bloated reply (4.9 MB)", ms, outcome))
    finally:
        server.stop()

    from connectors.monre.client import load_wsdl

    operation = load_wsdl().bindings["{urn:monre.gov.vn:dvcthietyeu:v1}DichVuThietYeuSoap"]
    op = operation.get("TraCuuHoSo")
    for n in (8_000, 16_000):
        body = bloated_envelope(n)

        def parse(body: bytes = body) -> None:
            try:
                op.process_reply(zeep.loader.parse_xml(body, None))
            except zeep.exceptions.Error:
                pass

        ms, _ = timed(parse)
        rows.append((f"zeep alone, {n} attributes (no limits)", ms, "for reference"))

    width = max(len(r[0]) for r in rows)
    for name, ms, outcome in rows:
        print(f"{name:<{width}}  {ms:9.1f} ms  {outcome}")


if __name__ == "__main__":
    main()
