"""What PayGov itself computes, written apart from the hub's code on purpose: MaXacThuc
(so a mistake in the connector's signature fails against it), the receipt PDF and the
payment page.

The field orders are PayGov 1.0.6's as the hub's ``contract/README.md`` states them;
``contract/signature-vectors.json`` is checked against both implementations.
"""

from __future__ import annotations

import hashlib
import html
import zlib
from collections.abc import Mapping
from typing import Any

ORDER: dict[str, tuple[str, ...]] = {
    "INIT": ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "SoTien",
             "LoaiHinhThanhToan", "MaKenhThanhToan", "MaThietBi", "NgonNgu", "MaTienTe",
             "MaNganHang", "ThongTinGiaoDich", "ThoiGianGD", "Ip"),
    "CONFIRM": ("LoaiBanTin", "MaLoi", "MaDoiTac", "MaThamChieu", "SoTien", "MaTienTe",
                "MaGiaoDich", "MaNganHang", "ThoiGianGD", "ThongTinGiaoDich"),
    "CONFIRM_REPLY": ("MaLoi", "MoTaLoi", "MaDoiTac", "ThoiGianGD"),
    "QUERY": ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "MaHoSo", "ThoiGianGD"),
    "GET_BILL": ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD"),
}  # fmt: skip

BANKS = {"VCB": "Vietcombank", "BIDV": "BIDV", "CTG": "VietinBank", "AGR": "Agribank"}


def mac(message: str, fields: Mapping[str, Any], secret: str) -> str:
    parts = ["" if fields.get(n) is None else str(fields.get(n)) for n in ORDER[message]]
    return hashlib.sha256(("|".join([*parts, secret])).encode("utf-8")).hexdigest()


def signed_ok(message: str, fields: Mapping[str, Any], secret: str) -> bool:
    return fields.get("MaXacThuc") == mac(message, fields, secret)


def receipt_pdf(lines: list[str]) -> bytes:
    """A real one-page PDF (any reader opens it) with ``lines`` of ASCII text."""

    def esc(text: str) -> str:
        ascii_text = text.encode("ascii", "replace").decode()
        return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 12 Tf", "50 790 Td", "16 TL"]
    ops += [f"({esc(line)}) '" for line in lines]
    ops.append("ET")
    stream = zlib.compress("\n".join(ops).encode())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def page(ref: str, tx: Mapping[str, Any] | None, done: str | None = None) -> str:
    """The payment page: the fees, a bank to choose, pay or cancel (Bước 4-6 of §XI)."""
    e = html.escape
    if tx is None:
        body = "<p>Không tìm thấy giao dịch.</p>"
    elif done is not None:
        body = f"<p id='ket-qua'>{e(done)}</p>"
    else:
        fees = "".join(
            f"<tr><td>{e(str(f['TenPhiLePhi']))}</td><td>{f['SoTien']:,} VND</td></tr>"
            for f in tx["PhiLePhi"]
        )
        banks = "".join(
            f"<label><input type='radio' name='ngan_hang' value='{k}' required> {e(v)}</label>"
            for k, v in BANKS.items()
        )
        body = (
            f"<p>Hồ sơ {e(str(tx['MaHoSo']))}</p><table>{fees}</table>"
            f"<p>Tổng cộng: {tx['SoTien']:,} VND</p>"
            f"<form method='post'>{banks}"
            "<button name='hanh_dong' value='pay'>Thanh toán</button>"
            "<button name='hanh_dong' value='cancel' formnovalidate>Hủy</button></form>"
        )
    return (
        "<!doctype html><html lang='vi'><meta charset='utf-8'>"
        f"<title>PayGov {e(ref)}</title><h1>Thanh toán phí, lệ phí</h1>{body}</html>"
    )
