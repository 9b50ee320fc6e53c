"""Canonical dossier <-> PayGov messages: pure, table-driven functions.

No I/O. The field names follow the contract (``contract/openapi.yaml``) and PayGov
protocol 1.0.6. A dossier lacking what PayGov requires raises :class:`MappingError`
naming the canonical field; a message that cannot be read raises
:class:`ContractError` naming PayGov's field. Messages never carry values (they may be
personal data).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from hub.sdk import Dossier, Fee, MappingError, ProcessStep, RemoteDossier, Status, message, missing

from . import messages as M
from . import signature
from .settings import PaymentSettings

SYSTEM = "payment"
#: Vietnam has no daylight saving: a fixed offset avoids depending on tzdata.
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
STAMP_FMT = "%Y%m%d%H%M%S"

PAID = "00"  #: MaLoi / TrangThai of a paid transaction
#: TrangThai of a transaction in a QUERY answer.
TX_STATES = {PAID: "paid", "01": "pending", "02": "cancelled", "03": "failed"}
#: The step of the history a payment request stands for (status 6), and the one after it.
BUOC_NGHIA_VU = "Thực hiện nghĩa vụ tài chính"
BUOC_DA_THANH_TOAN = "Đã thanh toán phí, lệ phí"


@dataclass(frozen=True, slots=True)
class Transaction:
    """One payment attempt as PayGov reports it (QUERY) or notifies it (Confirm)."""

    ma_tham_chieu: str
    so_tien: int
    state: str  #: paid | pending | cancelled | failed
    ma_ho_so: str | None = None
    ma_giao_dich: str | None = None
    ma_ngan_hang: str | None = None
    thoi_gian_gd: datetime | None = None  #: when the attempt started (INIT)
    thoi_gian_thanh_toan: datetime | None = None  #: when it was paid


def format_stamp(value: datetime) -> str:
    """``yyyyMMddHHmmss`` in Vietnam time; a naive datetime is taken as Vietnam time."""
    if value.tzinfo is not None:
        value = value.astimezone(VN_TZ)
    return value.strftime(STAMP_FMT)


def parse_stamp(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(str(value), STAMP_FMT).replace(tzinfo=VN_TZ)
    except ValueError:
        raise M.bad_format(field, "yyyyMMddHHmmss") from None


def ma_tham_chieu(idempotency_key: str) -> str:
    """The MaThamChieu of one payment attempt: derived from the job's idempotency key,
    so a re-send of the same attempt carries the same reference and a new attempt (a new
    event) a new one. 20 hex digits after ``HUB``: 80 bits, no collision in practice."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:20].upper()
    return f"HUB{digest}"


def loai_phi_le_phi(fee: Fee) -> str:
    """LoaiPhiLePhi: 2 for a lệ phí (a charge), 1 for a phí (a fee for a service)."""
    return "2" if fee.ten.strip().lower().startswith("lệ phí") else "1"


def _payer(dossier: Dossier) -> dict[str, str]:
    party = dossier.nguoi_nop or dossier.chu_ho_so
    who = "nguoi_nop" if dossier.nguoi_nop else "chu_ho_so"
    if not party.so_giay_to:
        raise missing(SYSTEM, f"{who}.so_giay_to", M.PAYER_ID())
    address = party.dia_chi.chi_tiet if party.dia_chi and party.dia_chi.chi_tiet else ""
    return {
        "HoTenNguoiNop": party.ho_ten,
        "SoCMNDNguoiNop": party.so_giay_to,
        "DiaChiNguoiNop": address,
    }


def to_init(
    dossier: Dossier, reference: str, at: datetime, settings: PaymentSettings
) -> dict[str, Any]:
    """The signed INIT for the fees the dossier still owes (``le_phi_con_no``).

    ``at`` is the moment of the request (the event's time): a re-send of the same
    attempt is byte-for-byte the same message, signature included.
    """
    fees = dossier.le_phi_con_no
    if not fees or dossier.so_tien_con_no <= 0:
        raise MappingError(M.NO_FEE(), field="le_phi", system=SYSTEM)
    body: dict[str, Any] = {
        "LoaiBanTin": "INIT",
        "PhienBan": signature.VERSION,
        "MaDoiTac": settings.ma_doi_tac,
        "MaThamChieu": reference,
        "SoTien": dossier.so_tien_con_no,
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": settings.ma_kenh_thanh_toan,
        "MaThietBi": settings.ma_thiet_bi,
        "NgonNgu": "vi-VN",
        "MaTienTe": "VND",
        "MaNganHang": "",
        "ThongTinGiaoDich": f"Thanh toan phi, le phi ho so {dossier.ma_ho_so}",
        "ThoiGianGD": format_stamp(at),
        "Ip": settings.ip,
    }
    body["MaXacThuc"] = signature.sign("INIT", body, settings.secret.get_secret_value())
    body["ThongTinBienLai"] = {
        "MaHoSo": dossier.ma_ho_so,
        "MaTTHC": dossier.ma_tthc,
        "TenTTHC": dossier.ten_tthc or dossier.ma_tthc,
        "MaDonVi": settings.ma_don_vi or dossier.ma_ho_so.split("-")[0],
        "TenDonVi": settings.ten_don_vi or dossier.don_vi_xu_ly or "",
        **_payer(dossier),
        "PhiLePhi": [
            {
                "LoaiPhiLePhi": loai_phi_le_phi(fee),
                "MaPhiLePhi": fee.ma or f"PHI{n + 1:02d}",
                "TenPhiLePhi": fee.ten,
                "SoTien": fee.so_tien,
            }
            for n, fee in enumerate(fees)
        ],
    }
    return body


def signed(message: str, body: dict[str, Any], settings: PaymentSettings) -> dict[str, Any]:
    """``body`` with its MaXacThuc (QUERY, GET_BILL)."""
    return {**body, "MaXacThuc": signature.sign(message, body, settings.secret.get_secret_value())}


def from_giao_dich(item: Any) -> Transaction:
    """One transaction of a QUERY answer (GiaoDich)."""
    if not isinstance(item, dict) or not item.get("MaThamChieu"):
        raise M.lacks("QUERY", "GiaoDich.MaThamChieu")
    state = TX_STATES.get(str(item.get("TrangThai")))
    if state is None:
        raise M.refused(
            message("contract.unknown_value", system=SYSTEM, field="GiaoDich.TrangThai")
        )
    try:
        amount = int(item.get("SoTien"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise M.refused(M.NOT_AMOUNT(field="GiaoDich.SoTien")) from None
    return Transaction(
        ma_tham_chieu=str(item["MaThamChieu"]),
        so_tien=amount,
        state=state,
        ma_ho_so=item.get("MaHoSo") or None,
        ma_giao_dich=item.get("MaGiaoDich") or None,
        ma_ngan_hang=item.get("MaNganHang") or None,
        thoi_gian_gd=parse_stamp(item.get("ThoiGianGD"), "GiaoDich.ThoiGianGD"),
        thoi_gian_thanh_toan=parse_stamp(
            item.get("ThoiGianThanhToan"), "GiaoDich.ThoiGianThanhToan"
        ),
    )


def to_remote(ma_ho_so: str, transactions: list[Transaction]) -> RemoteDossier:
    """A dossier's payments as a process history: each attempt a status-6 step (closed
    when paid), and a status-4 step from the payment on: processing resumes."""
    history: list[ProcessStep] = []
    ordered = sorted(
        transactions, key=lambda t: t.thoi_gian_gd or datetime.min.replace(tzinfo=VN_TZ)
    )
    for tx in ordered:
        if tx.thoi_gian_gd is None:
            raise M.lacks("QUERY", "GiaoDich.ThoiGianGD")
        history.append(
            ProcessStep(
                buoc=BUOC_NGHIA_VU,
                trang_thai=Status.YEU_CAU_NGHIA_VU_TAI_CHINH,
                noi_dung=f"{tx.ma_tham_chieu}: {tx.so_tien} VND, {tx.state}",
                bat_dau=tx.thoi_gian_gd,
                ket_thuc=tx.thoi_gian_thanh_toan if tx.state == "paid" else None,
            )
        )
        if tx.state == "paid" and tx.thoi_gian_thanh_toan is not None:
            history.append(
                ProcessStep(
                    buoc=BUOC_DA_THANH_TOAN,
                    trang_thai=Status.DANG_XU_LY,
                    noi_dung=f"{tx.ma_tham_chieu}: {tx.ma_giao_dich or ''}".strip(),
                    bat_dau=tx.thoi_gian_thanh_toan,
                )
            )
    paid = any(t.state == "paid" for t in transactions)
    last = ordered[-1] if ordered else None
    return RemoteDossier(
        ma_ho_so=ma_ho_so,
        trang_thai=Status.DANG_XU_LY if paid else Status.YEU_CAU_NGHIA_VU_TAI_CHINH,
        history=history,
        remote_id=last.ma_tham_chieu if last else None,
        raw_status=last.state if last else None,
    )


def now_vn() -> datetime:
    return datetime.now(VN_TZ)
