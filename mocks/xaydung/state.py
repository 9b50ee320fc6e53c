"""The Bộ Xây dựng mocks' ministry: dossiers, process histories, permits and their files.

One state class serves both systems (``capphep``: permits too; ``quyhoach``: dossiers
only). Records are kept in the ministry's own wire terms, so what the connector sends
is what the mock stores and answers. A permit is one per dossier: created once
(``CapNhat`` false; again: error_code 4, "đã tồn tại"), then updated in place, each
update raising its ``PhienBan``; the uploaded file is kept with its SHA-256, checked
against the one the request declares.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.sdk import Status
from hub.testing.mock import MockConfig, MockState, SeedRecord, vn_wall_time

__all__ = ["BUSY", "PREFIXES", "Permit", "XaydungState"]

STAMP_FMT = "%Y%m%d%H%M%S"
#: The national TrangThaiHoSo codes (kept apart from the connector's table, so that a
#: mistake in one of them fails the conformance suite).
STATUS_CODES: dict[Status, str] = {status: str(int(status)) for status in Status}
BUSY = {"error_code": "99", "message": "Hệ thống đang bận, vui lòng thử lại sau"}
#: Of the ministry's own ids (HoSoId), per system.
PREFIXES = {"capphep": "GPXD", "quyhoach": "TTQH"}


def now_vn() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=7)


@dataclass
class Permit:
    """The one permit of a dossier, its file and how many times it was written."""

    data: dict[str, Any]
    content: bytes
    sha256: str
    version: int = 1
    updated_at: datetime = field(default_factory=now_vn)

    def view(self) -> dict[str, Any]:
        out = {k: v for k, v in self.data.items() if k not in ("CapNhat", "MaDonVi")}
        out["Sha256"] = self.sha256
        out["PhienBan"] = self.version
        return out


@dataclass
class Entry:
    """One dossier the ministry holds."""

    record: dict[str, Any]
    updated_at: datetime
    history: list[dict[str, Any]] = field(default_factory=list)
    permit: Permit | None = None


class XaydungState(MockState):
    def __init__(self, config: MockConfig, system: str) -> None:
        self.system = system
        super().__init__(config, busy_body=BUSY)
        self.clear_records()
        if config.seed_count:
            self.seed(config.seed_count, config.seed)

    # --- the MockState interface ------------------------------------------------

    def clear_records(self) -> None:
        self.entries: dict[str, Entry] = {}
        self._ids = 0

    def record_count(self) -> int:
        return len(self.entries)

    def record_view(self, ma_ho_so: str) -> dict[str, Any] | None:
        entry = self.entries.get(ma_ho_so)
        if entry is None:
            return None
        return {
            "record": entry.record,
            "history": entry.history,
            "permit": entry.permit.view() if entry.permit else None,
            "permit_file_sha256": (
                hashlib.sha256(entry.permit.content).hexdigest() if entry.permit else None
            ),
        }

    def seed(self, count: int, seed: int) -> list[str]:
        """Neither system takes filings: dossiers are filed at the province. Seeding
        records synced long ago (status done) still gives the lookup page something."""
        rng = random.Random(f"{self.system}:{seed}")
        codes = []
        for _ in range(count):
            day = date(2025, 9, 1) + timedelta(days=rng.randrange(30))
            ma = self.next_ma_ho_so("000.00.22.H34", day, first=8001)
            stamp = datetime.combine(day, datetime.min.time()).replace(hour=8)
            self.put_record(
                SeedRecord(ma_ho_so=ma, trang_thai=Status.DA_TRA_KET_QUA, updated_at=stamp)
            )
            codes.append(ma)
        return codes

    def put_record(self, record: SeedRecord) -> None:
        """A dossier synced by the province, with the given status, history and date."""
        history = []
        for step in record.history:
            buoc = {
                "TenBuoc": step.buoc,
                "TrangThai": STATUS_CODES[step.trang_thai],
                "NgayBatDau": f"{vn_wall_time(step.bat_dau):{STAMP_FMT}}",
            }
            if step.ket_thuc is not None:
                buoc["NgayKetThuc"] = f"{vn_wall_time(step.ket_thuc):{STAMP_FMT}}"
            if step.phong_ban:
                buoc["PhongBanXuLy"] = step.phong_ban
            if step.noi_dung:
                buoc["NoiDungXuLy"] = step.noi_dung
            history.append(buoc)
        fields = {
            "HoSoId": self._new_id(),
            "MaHoSo": record.ma_ho_so,
            "MaTTHC": (record.ma_tthc or "1.009994")[:8],
            "TrangThai": STATUS_CODES[record.trang_thai],
        }
        updated = vn_wall_time(record.updated_at).replace(microsecond=0)
        self.entries[record.ma_ho_so] = Entry(record=fields, updated_at=updated, history=history)

    def _new_id(self) -> str:
        self._ids += 1
        return f"{PREFIXES[self.system]}-{self._ids:06d}"

    # --- the ministry's operations ---------------------------------------------------

    def dong_bo_ho_so(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        """Create or update the dossier by MaHoSo; steps are kept one per (TenBuoc,
        NgayBatDau), the later version of a step replacing the earlier."""
        ma = body["MaHoSo"]
        steps = body["QuaTrinhXuLy"]
        record = {k: v for k, v in body.items() if k != "QuaTrinhXuLy"}
        entry = self.entries.get(ma)
        if entry is None:
            entry = Entry(record={"HoSoId": self._new_id(), **record}, updated_at=now_vn())
            self.entries[ma] = entry
        else:
            entry.record.update(record)
            entry.updated_at = now_vn()
        index = {(s["TenBuoc"], s["NgayBatDau"]): n for n, s in enumerate(entry.history)}
        for step in steps:
            at = index.get((step["TenBuoc"], step["NgayBatDau"]))
            if at is None:
                index[(step["TenBuoc"], step["NgayBatDau"])] = len(entry.history)
                entry.history.append(step)
            else:
                entry.history[at] = step
        self.journal.record_write("DongBoHoSo", ma, key, body["TrangThai"])
        return {"HoSoId": entry.record["HoSoId"], "message": "Đồng bộ hồ sơ thành công"}

    def dong_bo_giay_phep(
        self, data: dict[str, Any], content: bytes, key: str | None
    ) -> dict[str, Any]:
        """Create (CapNhat false) or update (CapNhat true) the dossier's one permit."""
        ma = data["MaHoSo"]
        entry = self.entries.get(ma)
        if entry is None:
            return {"error_code": "3", "message": "Không tìm thấy hồ sơ: đồng bộ hồ sơ trước"}
        digest = hashlib.sha256(content).hexdigest()
        declared = data["TepGiayPhep"]
        if digest != declared["Sha256"] or len(content) != declared["KichThuoc"]:
            return {"error_code": "5", "message": "Tệp giấy phép không khớp mã băm"}
        if entry.permit is not None and not data["CapNhat"]:
            return {"error_code": "4", "message": "Giấy phép của hồ sơ đã tồn tại"}
        if entry.permit is None and data["CapNhat"]:
            return {"error_code": "3", "message": "Không tìm thấy giấy phép để cập nhật"}
        if entry.permit is None:
            entry.permit = Permit(data=dict(data), content=content, sha256=digest)
            message = "Đồng bộ giấy phép thành công"
        else:
            permit = entry.permit
            permit.data, permit.content, permit.sha256 = dict(data), content, digest
            permit.version += 1
            permit.updated_at = now_vn()
            message = "Cập nhật giấy phép thành công"
        entry.updated_at = now_vn()
        self.journal.record_write("DongBoGiayPhep", ma, key, entry.record["TrangThai"])
        return {
            "HoSoId": entry.record["HoSoId"],
            "Sha256": digest,
            "PhienBan": entry.permit.version,
            "message": message,
        }

    def tra_cuu_ho_so(self, ma_ho_so: str) -> dict[str, Any] | None:
        entry = self.entries.get(ma_ho_so)
        if entry is None:
            return None
        answer: dict[str, Any] = {
            "HoSo": {**self._row(entry), **_ket_qua(entry.record)},
            "QuaTrinhXuLy": list(entry.history),
        }
        if entry.permit is not None:
            answer["GiayPhep"] = entry.permit.view()
        return answer

    def danh_sach_ho_so(self, body: dict[str, Any]) -> dict[str, Any]:
        """The dossiers changed between TuNgay and DenNgay, one page of them."""
        start, end = _day(body["TuNgay"]), _day(body["DenNgay"])
        rows = [self._row(e) for e in self.entries.values() if start <= e.updated_at.date() <= end]
        size, page = int(body["SoLuong"]), int(body["Trang"])
        return {"DanhSach": rows[(page - 1) * size : page * size], "TongSo": len(rows)}

    @staticmethod
    def _row(entry: Entry) -> dict[str, Any]:
        record = entry.record
        row = {
            "HoSoId": record["HoSoId"],
            "MaHoSo": record["MaHoSo"],
            "MaTTHC": record["MaTTHC"],
            "TrangThai": record["TrangThai"],
            "NgayCapNhat": f"{entry.updated_at:{STAMP_FMT}}",
        }
        ket_qua = record.get("KetQua") or {}
        if ket_qua.get("SoKetQua"):
            row["SoKetQua"] = ket_qua["SoKetQua"]
        if ket_qua.get("TepKetQua"):
            row["Sha256KetQua"] = ket_qua["TepKetQua"][-1]["Sha256"]
        return row


def _ket_qua(record: dict[str, Any]) -> dict[str, Any]:
    return {"KetQua": record["KetQua"]} if record.get("KetQua") else {}


def _day(text: str) -> date:
    return datetime.strptime(text, "%Y-%m-%d").date()
