"""The Confirm notice PayGov sends the hub when a citizen has paid, and the reply.

:func:`read` checks what the notice alone can tell: its shape, the partner code,
MaXacThuc (``signature.py``) and its age. What needs the hub's ledger (the amount
asked, a duplicate) is checked by the route against the store. A refusal is a
:class:`NoticeRefused`: PayGov's reply code (MaLoi) and the HTTP status to answer with.

Reply codes (designed; PayGov's spec names MaLoi "00" only):

====  ==========================================  ======
MaLoi  meaning                                     HTTP
====  ==========================================  ======
00    received (applied now, or a duplicate)       200
01    MaXacThuc does not sign the notice           401
02    SoTien differs from the amount asked         409
03    MaThamChieu unknown to the hub               404
04    ThoiGianGD too old (a stale notice)          422
05    malformed, or another partner's MaDoiTac     422
====  ==========================================  ======
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from hub.sdk import ContractError, Message, RequestRefused

from . import mapping, signature
from . import messages as M
from .settings import PaymentSettings

__all__ = ["Notice", "NoticeRefused", "read", "reply"]

RECEIVED = "00"
REPLY_TEXT = {
    "00": "Đã nhận thông báo",
    "01": "Sai mã xác thực",
    "02": "Số tiền không khớp",
    "03": "Không tìm thấy giao dịch",
    "04": "Thông báo quá hạn",
    "05": "Thông báo không hợp lệ",
}
_HTTP = {"01": 401, "02": 409, "03": 404, "04": 422, "05": 422}
_CODE = {"01": "unauthorized", "02": "amount_mismatch", "03": "not_found",
         "04": "stale", "05": "invalid"}  # fmt: skip
REQUIRED = ("LoaiBanTin", "MaLoi", "MaDoiTac", "MaThamChieu", "SoTien", "MaXacThuc", "ThoiGianGD")


class NoticeRefused(RequestRefused):
    """A Confirm notice the hub refuses: a coded reason (``messages.py``); ``ma_loi`` is
    PayGov's reply code (its MoTaLoi stays the protocol's text, :data:`REPLY_TEXT`)."""

    messages_vi: ClassVar[dict[str, str]] = {
        "unauthorized": "thông báo thanh toán sai mã xác thực",
        "amount_mismatch": "số tiền đã thanh toán khác số tiền yêu cầu",
        "not_found": "không có giao dịch thanh toán này",
        "stale": "thông báo thanh toán đã quá hạn",
        "invalid": "thông báo thanh toán không hợp lệ",
    }

    def __init__(self, reason: Message, *, ma_loi: str, thoi_gian_gd: str = "") -> None:
        super().__init__(
            reason, system=mapping.SYSTEM, code=_CODE[ma_loi], status=_HTTP[ma_loi], loc="body"
        )
        self.ma_loi = ma_loi
        self.thoi_gian_gd = thoi_gian_gd


@dataclass(frozen=True, slots=True)
class Notice:
    """A Confirm notice whose signature holds."""

    ma_tham_chieu: str
    so_tien: int
    paid: bool  #: MaLoi "00"
    ma_loi: str
    ma_giao_dich: str
    ma_ngan_hang: str
    thoi_gian_gd: datetime
    raw_thoi_gian_gd: str
    body: dict[str, Any]


def read(body: Any, settings: PaymentSettings, now: datetime | None = None) -> Notice:
    """Check a notice; :class:`NoticeRefused` says why it is refused."""
    if not isinstance(body, dict):
        raise NoticeRefused(M.NOTICE_NOT_OBJECT(), ma_loi="05")
    when_text = str(body.get("ThoiGianGD") or "")
    missing = [name for name in REQUIRED if body.get(name) in (None, "")]
    if missing:
        lacks = M.NOTICE_LACKS(fields=", ".join(missing))
        raise NoticeRefused(lacks, ma_loi="05", thoi_gian_gd=when_text)
    if body["LoaiBanTin"] != "CONFIRM":
        raise NoticeRefused(M.NOTICE_TYPE(), ma_loi="05", thoi_gian_gd=when_text)
    if body["MaDoiTac"] != settings.ma_doi_tac:
        raise NoticeRefused(M.NOTICE_PARTNER(), ma_loi="05", thoi_gian_gd=when_text)
    if not signature.verify("CONFIRM", body, settings.secret.get_secret_value()):
        raise NoticeRefused(M.NOTICE_SIGNATURE(), ma_loi="01", thoi_gian_gd=when_text)
    try:
        amount = int(body["SoTien"])
        when = mapping.parse_stamp(when_text, "ThoiGianGD")
    except (TypeError, ValueError):
        raise NoticeRefused(M.NOTICE_AMOUNT_FORMAT(), ma_loi="05", thoi_gian_gd=when_text) from None
    except ContractError:
        raise NoticeRefused(M.NOTICE_TIME_FORMAT(), ma_loi="05", thoi_gian_gd=when_text) from None
    assert when is not None  # required above
    now = now or mapping.now_vn()
    if now - when > timedelta(hours=settings.confirm_max_age_hours) or when - now > timedelta(
        minutes=10
    ):
        raise NoticeRefused(M.NOTICE_STALE(), ma_loi="04", thoi_gian_gd=when_text)
    return Notice(
        ma_tham_chieu=str(body["MaThamChieu"]),
        so_tien=amount,
        paid=str(body["MaLoi"]) == mapping.PAID,
        ma_loi=str(body["MaLoi"]),
        ma_giao_dich=str(body.get("MaGiaoDich") or ""),
        ma_ngan_hang=str(body.get("MaNganHang") or ""),
        thoi_gian_gd=when,
        raw_thoi_gian_gd=when_text,
        body=dict(body),
    )


def reply(ma_loi: str, mo_ta: str, thoi_gian_gd: str, settings: PaymentSettings) -> dict[str, Any]:
    """The signed reply: MaLoi, MoTaLoi, MaDoiTac, ThoiGianGD, MaXacThuc."""
    fields = {
        "MaLoi": ma_loi,
        "MoTaLoi": mo_ta,
        "MaDoiTac": settings.ma_doi_tac,
        "ThoiGianGD": thoi_gian_gd,
    }
    fields["MaXacThuc"] = signature.sign(
        "CONFIRM_REPLY", fields, settings.secret.get_secret_value()
    )
    return fields
