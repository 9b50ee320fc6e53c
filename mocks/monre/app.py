"""The MONRE mock server: serves exactly ``connectors/monre/contract/`` (SOAP 1.1).

``GET /DichVuThietYeu.asmx?wsdl`` answers the WSDL (``?xsd`` the schema);
``POST /DichVuThietYeu.asmx`` takes every operation, dispatched on the body's
element. Each request is parsed with a hardened parser (no DTD, no entities, no
network; see :mod:`mocks.monre.soap`), its ``XacThuc`` header checked, its body
validated against the XSD (a violation is recorded as ``{path, field, error}``
and answered with an INVALID fault naming the field), then applied once per
``KhoaYeuCau`` key. Every fault is a SOAP 1.1 Fault with HTTP 500.

Faults: the standard kinds of ``hub.testing.mock.faults`` plus SOAP-level kinds that
only this mock knows, posted to the same ``POST /_mock/faults``:

=====================  =========================================  =======
kind                   what the client sees                        applied
=====================  =========================================  =======
``busy``/``soap_busy`` Server fault, MaLoi BUSY                    no
``soap_timeout``       Server fault, MaLoi TIMEOUT                 no
``soap_server``        Server fault without detail                 no
``soap_invalid``       Client fault, MaLoi INVALID                 no
``soap_auth``          Client fault, MaLoi AUTH                    no
``soap_malformed``     HTTP 200, text/xml, a cut-off envelope      yes
``soap_bloated``       HTTP 200, an envelope with 400,000          no
                       attributes (4.9 MB; the client refuses it)
=====================  =========================================  =======

``GET /_mock/kho/{so_dinh_danh}`` shows a citizen's data store ("Lưu vào kho").
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any, Literal, get_args

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import Response
from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import ClientDisconnect

from hub.testing.mock import Fault, FaultMiddleware, MockConfig, Violation, admin_router

from .soap import (
    ENV_NS,
    NS,
    WSDL_PATH,
    XSD_PATH,
    SoapFault,
    bloated_envelope,
    element_to_dict,
    envelope,
    fault_envelope,
    parse_request,
    read_body,
    schema_errors,
)
from .state import WRITES, MonreState

__all__ = ["ENDPOINT", "MockConfig", "create_app"]

ENDPOINT = "/DichVuThietYeu.asmx"
XML = "text/xml; charset=utf-8"

SoapKind = Literal[
    "busy", "soap_busy", "soap_timeout", "soap_server", "soap_invalid", "soap_auth",
    "soap_malformed", "soap_bloated",
]  # fmt: skip
SOAP_KIND_NAMES: frozenset[str] = frozenset(get_args(SoapKind))
#: The words of an injected fault: what its code says (an INVALID fault says invalid data).
INJECTED_WORDS = {
    "BUSY": "Hệ thống đang bận",
    "TIMEOUT": "Hết thời gian chờ hệ thống",
    "INVALID": "Dữ liệu không hợp lệ (lỗi giả lập)",
    "AUTH": "Thông tin xác thực không hợp lệ (lỗi giả lập)",
    "": "Lỗi hệ thống (lỗi giả lập)",
}
SOAP_KINDS: dict[str, tuple[str, bool]] = {
    "busy": ("BUSY", False),
    "soap_busy": ("BUSY", False),
    "soap_timeout": ("TIMEOUT", False),
    "soap_server": ("", False),
    "soap_invalid": ("INVALID", True),
    "soap_auth": ("AUTH", True),
}


class SoapFaultRule(BaseModel):
    """A SOAP-level fault rule; ``paths`` match the operation name here."""

    model_config = ConfigDict(extra="forbid")

    kind: SoapKind
    rate: float = Field(default=1.0, ge=0.0, le=1.0)
    count: int | None = Field(default=None, ge=0)
    delay_seconds: float | None = Field(default=None, ge=0.0)
    paths: list[str] | None = None


class _SoapFaults:
    """The SOAP-level rules of one app (the standard ones live in the middleware)."""

    def __init__(self, state: MonreState) -> None:
        self.state = state
        self.lock = threading.Lock()
        self.rng = random.Random(state.config.seed)

    def pick(self, operation: str) -> SoapFaultRule | None:
        with self.lock:
            for rule in self.state.soap_faults:
                if rule["count"] == 0:
                    continue
                if rule["paths"] is not None and not any(
                    operation.endswith(p) or ENDPOINT.endswith(p) for p in rule["paths"]
                ):
                    continue
                if rule["rate"] < 1.0 and self.rng.random() >= rule["rate"]:
                    continue
                if rule["count"] is not None:
                    rule["count"] -= 1
                self.state.faults.injected[rule["kind"]] += 1
                return SoapFaultRule.model_validate(rule)
        return None


def _faults_router(state: MonreState, soap: _SoapFaults) -> APIRouter:
    """``/_mock/faults`` taking both the standard kinds and this mock's SOAP kinds."""
    router = APIRouter(prefix="/_mock", tags=["mock admin"])

    def current() -> dict[str, Any]:
        return {"faults": [f.model_dump() for f in state.faults.faults] + list(state.soap_faults)}

    @router.post("/faults")
    async def set_faults(body: dict[str, Any]) -> dict[str, Any]:
        items = body.get("faults")
        if not isinstance(items, list):
            raise HTTPException(status_code=422, detail="faults must be a list")
        standard: list[Fault] = []
        soap_rules: list[dict[str, Any]] = []
        try:
            for item in items:
                if isinstance(item, dict) and item.get("kind") in SOAP_KIND_NAMES:
                    soap_rules.append(SoapFaultRule.model_validate(item).model_dump())
                else:
                    standard.append(Fault.model_validate(item))
        except ValidationError as exc:
            raise HTTPException(status_code=422, detail=exc.errors(include_input=False)) from None
        state.faults.set(standard)
        with soap.lock:
            state.soap_faults = soap_rules
            soap.rng = random.Random(state.config.seed)
        return current()

    @router.get("/faults")
    async def get_faults() -> dict[str, Any]:
        return current()

    @router.delete("/faults")
    async def clear_faults() -> dict[str, Any]:
        state.faults.clear()
        with soap.lock:
            state.soap_faults = []
        return {"faults": []}

    @router.get("/kho/{so_dinh_danh}")
    async def kho(so_dinh_danh: str) -> dict[str, Any]:
        return {"so_dinh_danh": so_dinh_danh, "giay_to": state.citizen_store(so_dinh_danh)}

    return router


def _xml(body: bytes, status: int = 200) -> Response:
    return Response(content=body, status_code=status, media_type=XML)


def _fault(fault: SoapFault, retry_after: int | None = None) -> Response:
    return _xml(fault_envelope(fault, retry_after), status=500)


def create_app(config: MockConfig | None = None) -> FastAPI:
    """A fresh MONRE mock; ``config`` sets the access key, initial faults and seeding."""
    config = config or MockConfig()
    state = MonreState(config)
    soap = _SoapFaults(state)
    wsdl = WSDL_PATH.read_bytes()
    xsd = XSD_PATH.read_bytes()
    app = FastAPI(title="MONRE mock (DVC thiết yếu)", docs_url=None, redoc_url=None)
    app.state.mock = state
    app.add_middleware(FaultMiddleware, injector=state.faults)
    app.include_router(_faults_router(state, soap))  # before admin_router: it wins /faults
    app.include_router(admin_router(state))

    operations: dict[str, Callable[[dict[str, Any], str | None], dict[str, Any]]] = {
        "KiemTraKetNoi": state.kiem_tra_ket_noi,
        "LayDanhSachHoSoMoi": state.lay_danh_sach_ho_so_moi,
        "XacNhanDaNhan": state.xac_nhan_da_nhan,
        "TiepNhanHoSo": state.tiep_nhan_ho_so,
        "CapNhatTienDo": state.cap_nhat_tien_do,
        "TraKetQua": state.tra_ket_qua,
        "LuuVaoKho": state.luu_vao_kho,
        "TraCuuHoSo": state.tra_cuu_ho_so,
        "DanhSachHoSo": state.danh_sach_ho_so,
    }

    @app.get(ENDPOINT)
    async def describe(request: Request) -> Response:
        if "wsdl" in request.query_params:
            location = str(request.base_url).rstrip("/") + ENDPOINT
            return _xml(wsdl.replace(b"http://localhost/DichVuThietYeu.asmx", location.encode()))
        if "xsd" in request.query_params:
            return _xml(xsd)
        return Response("DichVuThietYeu: POST SOAP 1.1 envelopes here; ?wsdl for the WSDL.")

    def violation(operation: str, field: str, error: str) -> SoapFault:
        state.journal.violation(Violation(path=f"{ENDPOINT}#{operation}", field=field, error=error))
        where = field or "(body)"
        return SoapFault("INVALID", f"Dữ liệu không hợp lệ: {where} {error}", field=field)

    def dispatch(root: etree._Element) -> bytes:
        header = root.find(f"{{{ENV_NS}}}Header")
        body = root.find(f"{{{ENV_NS}}}Body")
        children = [c for c in body if isinstance(c.tag, str)] if body is not None else []
        if len(children) != 1:
            raise violation("", "", "the SOAP Body must hold exactly one element")
        request_el = children[0]
        qname = etree.QName(request_el)
        operation = qname.localname
        if qname.namespace != NS or operation not in operations:
            raise violation("", "", "is not an operation of the contract")  # name not echoed
        auth = header.find(f"{{{NS}}}XacThuc") if header is not None else None
        if auth is None or schema_errors(auth):
            raise SoapFault("AUTH", "Thiếu hoặc sai thông tin xác thực (XacThuc)", field="XacThuc")
        if auth.findtext(f"{{{NS}}}KhoaTruyCap") != state.config.accept_key:
            raise SoapFault("AUTH", "KhoaTruyCap không hợp lệ", field="XacThuc.KhoaTruyCap")
        errors = schema_errors(request_el)
        if errors:
            raise violation(operation, *errors[0])
        key_el = header.find(f"{{{NS}}}KhoaYeuCau") if header is not None else None
        if key_el is not None and schema_errors(key_el):
            raise violation(operation, "KhoaYeuCau", "is not a valid idempotency key")
        key = key_el.text if key_el is not None and operation in WRITES else None
        stored = state.journal.replay(key)
        if stored is not None:
            return bytes(stored["envelope"])
        data = element_to_dict(request_el)
        answer = envelope(operation + "Response", operations[operation](
            data if isinstance(data, dict) else {}, key
        ))  # fmt: skip
        state.journal.remember(key, {"envelope": answer})
        return answer

    @app.post(ENDPOINT)
    async def call(request: Request) -> Response:
        try:
            raw = await read_body(request)  # refused from the stream past MAX_BYTES
        except ClientDisconnect:
            return Response(status_code=499)
        except SoapFault as fault:
            return _fault(fault)
        rule = soap.pick(_operation_hint(raw))
        if rule is not None and rule.kind == "soap_bloated":
            return _xml(bloated_envelope())
        if rule is not None and rule.kind != "soap_malformed":
            code, client = SOAP_KINDS[rule.kind]
            return _fault(
                SoapFault(code, INJECTED_WORDS[code], client=client),
                retry_after=1 if code == "BUSY" else None,
            )
        state.journal.requests += 1
        try:
            root = parse_request(raw)
            answer = dispatch(root)
        except SoapFault as fault:
            if fault.code == "INVALID" and fault.field is None:
                # A refused document (DTD, entities, not XML) breaks the contract too.
                state.journal.violation(Violation(path=ENDPOINT, field="", error=fault.message))
            return _fault(fault)
        if rule is not None:  # soap_malformed: applied, then the answer is cut off
            return _xml(answer[: max(1, len(answer) // 2)])
        return _xml(answer)

    return app


def _operation_hint(raw: bytes) -> str:
    """The operation a request names, for fault ``paths`` (without parsing it)."""
    marker = raw.find(b"Body")
    tail = raw[marker:] if marker >= 0 else raw
    for name in (
        b"TiepNhanHoSo", b"CapNhatTienDo", b"TraKetQua", b"LuuVaoKho", b"LayDanhSachHoSoMoi",
        b"XacNhanDaNhan", b"TraCuuHoSo", b"DanhSachHoSo", b"KiemTraKetNoi",
    ):  # fmt: skip
        if name in tail:
            return name.decode()
    return ""
