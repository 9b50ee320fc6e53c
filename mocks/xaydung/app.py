"""The Bộ Xây dựng mock servers: each serves exactly its system's contract.

``create_app(config, system="capphep")`` mocks Hệ thống cấp phép xây dựng toàn quốc
(``connectors/xaydung/contract/capphep.yaml``), ``system="quyhoach"`` Hệ thống cung
cấp thông tin quy hoạch toàn quốc (``quyhoach.yaml``). ``POST /api/<operation>`` with
the ``ApiKey`` header (= ``MockConfig.accept_key``). A body that breaks the contract is
recorded and answered with error_code 2 (the permit upload's ``data`` part is checked
against its schema, its ``file`` part against the declared SHA-256 and size); writes
are applied once per ``Idempotency-Key``; faults come from
:class:`hub.testing.mock.FaultMiddleware`; ``/_mock/`` is the admin API; and
``GET /tra-cuu/{ma_ho_so}`` is the public lookup page ("Tra cứu hồ sơ").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from html import escape
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

import connectors.xaydung
from hub.testing.mock import (
    Contract,
    FaultMiddleware,
    MockConfig,
    Violation,
    admin_router,
    load_contract,
)

from .state import XaydungState

__all__ = ["CONTRACTS", "create_app"]

_CONTRACT_DIR = Path(connectors.xaydung.__file__).parent / "contract"
CONTRACTS = {"capphep": _CONTRACT_DIR / "capphep.yaml", "quyhoach": _CONTRACT_DIR / "quyhoach.yaml"}
TITLES = {
    "capphep": "Hệ thống cấp phép xây dựng toàn quốc (mock)",
    "quyhoach": "Hệ thống cung cấp thông tin quy hoạch toàn quốc (mock)",
}
NOT_FOUND = {"error_code": "3", "message": "Không tìm thấy hồ sơ"}
UPLOAD = "/api/DongBoGiayPhep"
Handler = Callable[[dict[str, Any], str | None], dict[str, Any] | None]


def _part_contract(contract: Contract) -> Contract:
    """The contract with the upload's ``data`` part schema as a JSON body of its path,
    so the kit's validator checks it like any other request."""
    document = json.loads(json.dumps(contract.document))
    media = document["paths"][UPLOAD]["post"]["requestBody"]["content"]
    schema = media["multipart/form-data"]["schema"]["properties"]["data"]
    media["application/json"] = {"schema": schema}
    return Contract(document)


def create_app(config: MockConfig | None = None, system: str = "capphep") -> FastAPI:
    """A fresh mock of one Bộ Xây dựng system; ``config``: credentials, faults, seeding."""
    if system not in CONTRACTS:
        raise ValueError(f"unknown Bộ Xây dựng system {system!r}: capphep or quyhoach")
    config = config or MockConfig()
    contract = load_contract(CONTRACTS[system])
    if UPLOAD in contract.document["paths"]:
        contract = _part_contract(contract)
    state = XaydungState(config, system)
    app = FastAPI(title=TITLES[system], docs_url=None, redoc_url=None)
    app.state.mock = state
    app.add_middleware(FaultMiddleware, injector=state.faults)
    app.include_router(admin_router(state))

    operations: dict[str, Handler] = {
        "DongBoHoSo": state.dong_bo_ho_so,
        "TraCuuHoSo": lambda body, key: state.tra_cuu_ho_so(body["MaHoSo"]),
        "DanhSachHoSo": lambda body, key: state.danh_sach_ho_so(body),
        "KiemTraKetNoi": lambda body, key: {"PhienBan": "mock"},
    }
    writes = {"DongBoHoSo", "DongBoGiayPhep"}

    def invalid(violation: Violation) -> JSONResponse:
        state.journal.violation(violation)
        message = f"{violation.path} {violation.field or '(body)'} {violation.error}"
        return JSONResponse({"error_code": "2", "message": message.strip()})

    def run(operation: str, key: str | None, apply: Callable[[], dict[str, Any] | None]) -> Any:
        replay = state.journal.replay(key) if operation in writes else None
        if replay is not None:
            return JSONResponse(replay)
        answer = apply()
        if answer is None:
            return JSONResponse(NOT_FOUND)
        if "error_code" in answer:  # refused: nothing applied, nothing remembered
            return JSONResponse(answer)
        answer = {"error_code": "0", "message": answer.pop("message", "OK"), **answer}
        if operation in writes:
            state.journal.remember(key, answer)
        return JSONResponse(answer)

    async def upload(request: Request, key: str | None) -> Any:
        parts = multipart_parts(request.headers.get("content-type", ""), await request.body())
        data: Any = None
        try:
            data = json.loads(parts["data"][1]) if "data" in parts else None
        except ValueError:
            data = None
        violation = contract.validate(UPLOAD, data)
        if violation is None and parts.get("file", (None, b""))[0] is None:
            violation = Violation(path=UPLOAD, field="file", error="is required (a file part)")
        if violation is not None:
            return invalid(violation)
        content = parts["file"][1]
        return run("DongBoGiayPhep", key, lambda: state.dong_bo_giay_phep(data, content, key))

    @app.post("/api/{operation}")
    async def call(operation: str, request: Request) -> Any:
        known = operation in operations or (operation == "DongBoGiayPhep" and system == "capphep")
        if not known:
            return JSONResponse({"detail": "no such operation"}, status_code=404)
        state.journal.requests += 1
        if request.headers.get("ApiKey") != config.accept_key:
            return JSONResponse({"error_code": "1", "message": "Sai khóa truy cập"})
        key = request.headers.get("Idempotency-Key")
        if operation == "DongBoGiayPhep":
            return await upload(request, key)
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        violation = contract.validate(f"/api/{operation}", body)
        if violation is not None:
            return invalid(violation)
        return run(operation, key, lambda: operations[operation](body, key))

    @app.get("/tra-cuu/{ma_ho_so}", response_class=HTMLResponse)
    async def lookup_page(ma_ho_so: str) -> HTMLResponse:
        found = state.tra_cuu_ho_so(ma_ho_so)
        status = 200 if found is not None else 404
        return HTMLResponse(lookup_html(TITLES[system], ma_ho_so, found), status_code=status)

    return app


def multipart_parts(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """``name -> (file name, bytes)`` of a multipart/form-data body (the standard
    library's MIME parser); empty when the body is not multipart."""
    if not content_type.startswith("multipart/form-data"):
        return {}
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    out: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            out[name] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return out


def lookup_html(title: str, ma_ho_so: str, found: dict[str, Any] | None) -> str:
    """The public "Tra cứu hồ sơ" page: status, steps and permit; no personal data."""
    head = f"<h1>{escape(title)}</h1><h2>Tra cứu hồ sơ {escape(ma_ho_so)}</h2>"
    if found is None:
        return _page(title, head + "<p>Không tìm thấy hồ sơ.</p>")
    record = found["HoSo"]
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(str(step.get(k, '')))}</td>" for k in _STEP_KEYS) + "</tr>"
        for step in found["QuaTrinhXuLy"]
    )
    body = (
        f"{head}<p>Thủ tục: {escape(str(record['MaTTHC']))} · Trạng thái: "
        f"{escape(str(record['TrangThai']))} · Cập nhật: {escape(str(record['NgayCapNhat']))}</p>"
        "<table><tr><th>Bước</th><th>Phòng ban</th><th>Bắt đầu</th><th>Hạn xử lý</th>"
        f"<th>Nội dung</th><th>Trạng thái</th></tr>{rows}</table>"
    )
    permit = found.get("GiayPhep")
    if permit:
        body += (
            f"<h3>Giấy phép xây dựng số {escape(str(permit['SoGiayPhep']))}</h3>"
            f"<p>Ngày cấp {escape(str(permit['NgayCap']))} · {escape(str(permit['CoQuanCap']))}"
            f" · phiên bản {permit['PhienBan']}"
            f" · SHA-256 <code>{escape(permit['Sha256'])}</code></p>"
        )
    return _page(title, body)


_STEP_KEYS = (
    "TenBuoc",
    "PhongBanXuLy",
    "NgayBatDau",
    "NgayKetThucTheoQuyDinh",
    "NoiDungXuLy",
    "TrangThai",
)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title></head><body>{body}</body></html>"
    )
