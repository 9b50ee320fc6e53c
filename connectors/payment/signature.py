"""MaXacThuc, the PayGov signature: built and checked here and nowhere else.

PayGov 1.0.6 signs every message the same way: the values of a fixed list of fields,
in the protocol's order, joined by ``|``, then ``|`` and the shared secret; the
signature is the lower-case hex SHA-256 of that text (UTF-8). A field that is absent
counts as the empty string, so its place in the order is kept. The order differs by
message (INIT, the Confirm notice, the reply to it, QUERY, GET_BILL); it is a table
keyed by protocol version, so a new version adds a table instead of editing this one.

``contract/signature-vectors.json`` holds worked examples; the connector's tests and
the mock's tests both check them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

__all__ = ["FIELD_ORDER", "VERSION", "SignatureError", "sign", "signing_text", "verify"]

VERSION = "1.0.6"

#: (protocol version, message) -> the fields MaXacThuc covers, in order.
FIELD_ORDER: dict[tuple[str, str], tuple[str, ...]] = {
    (VERSION, "INIT"): (
        "LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "SoTien", "LoaiHinhThanhToan",
        "MaKenhThanhToan", "MaThietBi", "NgonNgu", "MaTienTe", "MaNganHang",
        "ThongTinGiaoDich", "ThoiGianGD", "Ip",
    ),
    (VERSION, "CONFIRM"): (
        "LoaiBanTin", "MaLoi", "MaDoiTac", "MaThamChieu", "SoTien", "MaTienTe",
        "MaGiaoDich", "MaNganHang", "ThoiGianGD", "ThongTinGiaoDich",
    ),
    (VERSION, "CONFIRM_REPLY"): ("MaLoi", "MoTaLoi", "MaDoiTac", "ThoiGianGD"),
    (VERSION, "QUERY"): ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "MaHoSo",
                         "ThoiGianGD"),
    (VERSION, "GET_BILL"): ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu",
                            "ThoiGianGD"),
}  # fmt: skip


class SignatureError(ValueError):
    """No field order for this message and version (a message the hub cannot sign)."""


def _order(message: str, version: str) -> tuple[str, ...]:
    try:
        return FIELD_ORDER[(version, message)]
    except KeyError:
        raise SignatureError(
            f"no MaXacThuc field order for {message} in PayGov protocol {version}"
        ) from None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # never in the protocol; refuse to guess a spelling
        raise SignatureError("a signed field holds a boolean")
    return str(value)


def signing_text(
    message: str, fields: Mapping[str, Any], secret: str, version: str = VERSION
) -> str:
    """The text whose SHA-256 is MaXacThuc (it holds the secret: never log it)."""
    values = [_text(fields.get(name)) for name in _order(message, version)]
    return "|".join(values) + "|" + secret


def sign(message: str, fields: Mapping[str, Any], secret: str, version: str = VERSION) -> str:
    """MaXacThuc of ``fields`` for ``message`` (``INIT``, ``CONFIRM``, ...)."""
    text = signing_text(message, fields, secret, version)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify(message: str, fields: Mapping[str, Any], secret: str, version: str = VERSION) -> bool:
    """Does ``fields["MaXacThuc"]`` sign ``fields``? Compared in constant time."""
    given = fields.get("MaXacThuc")
    if not isinstance(given, str) or not given:
        return False
    expected = sign(message, fields, secret, version)
    return hmac.compare_digest(expected, given.strip().lower())
