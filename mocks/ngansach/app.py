"""The ngansach mock server: serves exactly ``connectors/ngansach/contract/``.

SOAP 1.1, document/literal: ``POST /MaSoNganSach.asmx`` takes every operation, named by
the body's element. :class:`hub.testing.mock.SoapEnvelope` parses each request
with a hardened parser (no DTD, entities or network) and checks the operation's
element against the XSD (a violation is recorded and answered with an INVALID
fault); ``XacThuc/KhoaTruyCap`` is checked against ``MockConfig.accept_key``
(AUTH fault). A reset brings back the seeded dossiers (:mod:`.data`). Faults are SOAP 1.1
Faults at HTTP 500 with the code in ``detail/LoiDichVu/MaLoi``; the injected
``busy`` fault is one too (a Server fault, BUSY), the other injected faults come
from :class:`hub.testing.mock.FaultMiddleware`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

import connectors.ngansach
from hub.testing.mock import (
    BusyReply,
    FaultMiddleware,
    MockConfig,
    SoapEnvelope,
    SoapRequestError,
    admin_router,
)

from .state import NgansachState

__all__ = ["ENDPOINT", "create_app"]

CONTRACT = Path(connectors.ngansach.__file__).parent / "contract"
XSD, WSDL = CONTRACT / "ngansach.xsd", CONTRACT / "ngansach.wsdl"
NS = "urn:tthc-hub:ngansach:v1"
TN = "{urn:tthc-hub:ngansach:v1}"  #: an element of the contract is TN + its name
ENDPOINT = "/MaSoNganSach.asmx"
XML = "text/xml; charset=utf-8"
#: Request elements that repeat (maxOccurs > 1): always lists.
REPEATED: frozenset[str] = frozenset()
Handler = Callable[[dict[str, Any], str | None], dict[str, Any] | None]


class Fault(Exception):
    """A SOAP Fault to answer; ``code`` goes to ``detail/LoiDichVu/MaLoi``."""

    def __init__(self, code: str, message: str, *, client: bool = True) -> None:
        super().__init__(message)
        self.code, self.message, self.client = code, message, client


def create_app(config: MockConfig | None = None) -> FastAPI:
    """A fresh ngansach mock; ``config``: access key, faults, seeding."""
    config = config or MockConfig()
    envelope = SoapEnvelope(XSD, NS)

    def fault(error: Fault) -> bytes:
        detail = ("LoiDichVu", {"MaLoi": error.code})
        return envelope.fault(error.message, client=error.client, detail=detail)

    busy = fault(Fault("BUSY", "Hệ thống đang bận, vui lòng thử lại sau", client=False))
    state = NgansachState(config, busy=BusyReply(busy, status=500, media_type=XML))
    app = FastAPI(title="ngansach mock", docs_url=None, redoc_url=None)
    app.state.mock = state
    app.add_middleware(FaultMiddleware, injector=state.faults)
    app.include_router(admin_router(state))

    operations: dict[str, Handler] = {
        "DanhSachHoSoTheoNgay": lambda body, key: state.theo_ngay(body),
        "ChiTietHoSo": lambda body, key: state.chi_tiet(body),
        "ThongKeTheoKy": lambda body, key: state.thong_ke(body),
        "KiemTraKetNoi": lambda body, key: {"PhienBan": "mock"},
    }

    def handle(raw: bytes) -> tuple[str, dict[str, Any] | None, str | None]:
        """Parse, authenticate and validate a request; the operation's answer."""
        try:
            request = envelope.parse(raw)
        except SoapRequestError as exc:
            raise Fault("INVALID", str(exc)) from None
        if request.operation not in operations:
            raise Fault("INVALID", f"Không có thao tác {request.operation}")
        header = request.header
        auth = header.find(f"{TN}XacThuc") if header is not None else None
        if auth is None or auth.findtext(f"{TN}KhoaTruyCap") != config.accept_key:
            raise Fault("AUTH", "Sai khóa truy cập")
        violation = envelope.validate(request, ENDPOINT)
        if violation is not None:
            state.journal.violation(violation)
            raise Fault("INVALID", f"{request.operation} {violation.field} {violation.error}")
        key = header.findtext(f"{TN}KhoaYeuCau") if header is not None else None
        data = request.data(REPEATED)
        body = data if isinstance(data, dict) else {}  # an operation without fields
        return request.operation, operations[request.operation](body, key), key

    @app.get(ENDPOINT)
    async def describe(request: Request) -> Response:
        path = XSD if "xsd" in request.query_params else WSDL
        return Response(path.read_bytes(), media_type=XML)

    @app.post(ENDPOINT)
    async def call(request: Request) -> Response:
        state.journal.requests += 1
        try:
            operation, answer, _key = handle(await request.body())
            if answer is None:
                raise Fault("NOT_FOUND", "Không tìm thấy hồ sơ")
        except Fault as error:
            return Response(fault(error), status_code=500, media_type=XML)
        return Response(envelope.answer(f"{operation}Response", answer), media_type=XML)

    return app
