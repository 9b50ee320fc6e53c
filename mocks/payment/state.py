"""The PayGov mock's state: transactions by MaThamChieu, the notices it sent, and the
daily transaction file with the differences a test plants in it.

How the Confirm notice goes out is a setting (``POST /_mock/paygov/notices``):
``on_time``; ``late`` (after ``delay_seconds``); ``twice``; ``held`` (kept until
``POST /_mock/paygov/flush``, then sent newest first: out of order); ``forged`` (signed
with another secret); ``altered`` (SoTien changed after signing); ``stale`` (ThoiGianGD
days old, correctly signed); ``none`` (never sent: the hub must QUERY).
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.sdk import Status
from hub.testing.mock import MockConfig, MockState, SeedRecord, UnsupportedRecord, vn_wall_time

from . import paygov

__all__ = ["NOTICE_MODES", "PaymentState", "Tx"]

STAMP = "%Y%m%d%H%M%S"
PAID, PENDING, CANCELLED = "00", "01", "02"
NOTICE_MODES = ("on_time", "late", "twice", "held", "forged", "altered", "stale", "none")
BUSY = {"error_code": "99", "message": "Hệ thống đang bận, vui lòng thử lại sau"}


def now_vn() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=7)


@dataclass
class Tx:
    """One transaction (MaThamChieu)."""

    ref: str
    ma_ho_so: str
    so_tien: int
    thoi_gian_gd: str  #: the INIT's ThoiGianGD
    fees: list[dict[str, Any]] = field(default_factory=list)
    payer: str = ""
    state: str = PENDING
    ma_giao_dich: str = ""
    ma_ngan_hang: str = ""
    paid_at: datetime | None = None  #: Vietnam wall time
    answer: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        out = {
            "MaThamChieu": self.ref,
            "MaHoSo": self.ma_ho_so,
            "SoTien": self.so_tien,
            "TrangThai": self.state,
            "MaGiaoDich": self.ma_giao_dich,
            "MaNganHang": self.ma_ngan_hang,
            "ThoiGianGD": self.thoi_gian_gd,
        }
        if self.paid_at is not None:
            out["ThoiGianThanhToan"] = f"{self.paid_at:{STAMP}}"
        return out


class PaymentState(MockState):
    def __init__(self, config: MockConfig, *, secret: str, ma_doi_tac: str) -> None:
        super().__init__(config, busy_body=BUSY)
        self.secret = secret
        self.ma_doi_tac = ma_doi_tac
        self.callback_url: str | None = None
        self.public_url = "http://127.0.0.1"
        self.clear_records()

    # --- the MockState interface ------------------------------------------------

    def clear_records(self) -> None:
        self.txs: dict[str, Tx] = {}
        self.sent: list[dict[str, Any]] = []  #: every notice delivery: body, status, reply
        self.held: list[dict[str, Any]] = []
        self.notice_mode = "on_time"
        self.delay_seconds = 1.0
        self.file_edits: dict[str, Any] = {"drop": [], "amount": {}, "extra": []}
        self._rng = random.Random(f"paygov:{self.config.seed}")

    def record_count(self) -> int:
        return len({tx.ma_ho_so for tx in self.txs.values()})

    def record_view(self, ma_ho_so: str) -> dict[str, Any] | None:
        rows = [tx.row() for tx in self.txs.values() if tx.ma_ho_so == ma_ho_so]
        return {"record": rows[-1], "history": rows} if rows else None

    def seed(self, count: int, seed: int) -> list[str]:
        return []  # nothing is filed at PayGov: payments start at the province

    def put_record(self, record: SeedRecord) -> None:
        """A dossier's payment as the record's status says: 6 pending, 4 paid."""
        if record.trang_thai not in (Status.YEU_CAU_NGHIA_VU_TAI_CHINH, Status.DANG_XU_LY):
            raise UnsupportedRecord(
                f"PayGov holds payments only (status 6 or 4), not {record.trang_thai}"
            )
        first = vn_wall_time(record.history[0].bat_dau if record.history else record.updated_at)
        last = vn_wall_time(record.history[-1].bat_dau if record.history else record.updated_at)
        for ref in [r for r, tx in self.txs.items() if tx.ma_ho_so == record.ma_ho_so]:
            del self.txs[ref]
        ref = f"SEED{len(self.txs) + 1:06d}{self._rng.randrange(10**6):06d}"
        tx = Tx(ref=ref, ma_ho_so=record.ma_ho_so, so_tien=50_000, thoi_gian_gd=f"{first:{STAMP}}")
        if record.trang_thai == Status.DANG_XU_LY:
            tx.state, tx.paid_at, tx.ma_giao_dich = PAID, max(last, first), self._ma_giao_dich()
        self.txs[tx.ref] = tx

    # --- PayGov's operations -----------------------------------------------------------

    def _ma_giao_dich(self) -> str:
        return f"PG{self._rng.randrange(10**10):010d}"

    def init(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        ref = body["MaThamChieu"]
        known = self.txs.get(ref)
        if known is not None:  # the same attempt sent again: the same answer, once applied
            self.journal.duplicates += 1
            return known.answer
        bien_lai = body["ThongTinBienLai"]
        if sum(f["SoTien"] for f in bien_lai["PhiLePhi"]) != body["SoTien"]:
            return {"error_code": "2", "message": "SoTien khác tổng PhiLePhi"}
        tx = Tx(ref=ref, ma_ho_so=bien_lai["MaHoSo"], so_tien=body["SoTien"],
                thoi_gian_gd=body["ThoiGianGD"], fees=bien_lai["PhiLePhi"],
                payer=bien_lai["HoTenNguoiNop"])  # fmt: skip
        tx.answer = {
            "error_code": "0",
            "message": "Khởi tạo giao dịch thành công",
            "MaThamChieu": ref,
            "DuongDanThanhToan": f"{self.public_url}/thanh-toan/{ref}",
        }
        self.txs[ref] = tx
        self.journal.record_write("INIT", tx.ma_ho_so, key, PENDING)
        return tx.answer

    def query(self, body: dict[str, Any]) -> dict[str, Any] | None:
        ref, ma = body.get("MaThamChieu"), body.get("MaHoSo")
        rows = [
            tx.row()
            for tx in self.txs.values()
            if (ref and tx.ref == ref) or (ma and not ref and tx.ma_ho_so == ma)
        ]
        return {"message": "OK", "GiaoDich": rows} if rows else None

    def bill(self, body: dict[str, Any]) -> dict[str, Any] | None:
        tx = self.txs.get(body["MaThamChieu"])
        if tx is None:
            return None
        if tx.state != PAID:
            return {"error_code": "2", "message": "Giao dịch chưa thanh toán"}
        pdf = paygov.receipt_pdf(
            [
                "BIEN LAI THU PHI, LE PHI",
                f"Ma ho so: {tx.ma_ho_so}",
                f"Ma tham chieu: {tx.ref}",
                f"Ma giao dich: {tx.ma_giao_dich}",
                f"So tien: {tx.so_tien} VND",
                f"Thoi gian: {tx.paid_at:%d/%m/%Y %H:%M:%S}" if tx.paid_at else "",
            ]
        )
        return {
            "message": "OK",
            "BienLai": base64.b64encode(pdf).decode(),
            "TenTep": f"{tx.ref}.pdf",
        }

    def pay(self, ref: str, bank: str) -> Tx:
        """The citizen paid on the page: the transaction is paid (once)."""
        tx = self.txs[ref]
        if tx.state != PAID:
            tx.state, tx.ma_ngan_hang = PAID, bank
            tx.paid_at = now_vn().replace(microsecond=0)
            tx.ma_giao_dich = self._ma_giao_dich()
        return tx

    def notice(self, tx: Tx, mode: str) -> dict[str, Any]:
        """The Confirm notice of ``tx``, spoilt as ``mode`` says."""
        when = tx.paid_at or now_vn()
        if mode == "stale":
            when -= timedelta(days=5)
        body: dict[str, Any] = {
            "LoaiBanTin": "CONFIRM",
            "MaLoi": PAID if tx.state == PAID else "01",
            "MaDoiTac": self.ma_doi_tac,
            "MaThamChieu": tx.ref,
            "SoTien": tx.so_tien,
            "MaTienTe": "VND",
            "MaGiaoDich": tx.ma_giao_dich,
            "MaNganHang": tx.ma_ngan_hang,
            "ThoiGianGD": f"{when:{STAMP}}",
            "ThongTinGiaoDich": f"Thanh toan phi, le phi ho so {tx.ma_ho_so}",
        }
        secret = self.secret + "-forged" if mode == "forged" else self.secret
        body["MaXacThuc"] = paygov.mac("CONFIRM", body, secret)
        if mode == "altered":
            body["SoTien"] = tx.so_tien - 1000
        return body

    def transaction_file(self, day: str) -> list[dict[str, Any]]:
        """Paid transactions of ``day`` (YYYY-MM-DD, Vietnam time), with planted edits."""
        rows = []
        for tx in self.txs.values():
            if tx.state != PAID or tx.paid_at is None or f"{tx.paid_at:%Y-%m-%d}" != day:
                continue
            if tx.ref in self.file_edits["drop"]:
                continue
            rows.append({"MaThamChieu": tx.ref, "MaGiaoDich": tx.ma_giao_dich,
                         "SoTien": self.file_edits["amount"].get(tx.ref, tx.so_tien),
                         "ThoiGianGD": f"{tx.paid_at:{STAMP}}", "MaHoSo": tx.ma_ho_so})  # fmt: skip
        rows += [
            r
            for r in self.file_edits["extra"]
            if str(r.get("ThoiGianGD", "")).startswith(day.replace("-", ""))
        ]
        return rows
