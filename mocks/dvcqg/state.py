"""The mock portal's state: dossiers as the portal holds them, their progress history.

Records are kept in the portal's wire format, so what the connector sends is what the
mock stores and answers. A create of a held dossier answers "đã tồn tại" (code 4); an
update or a step of a dossier the portal lacks answers 3 and is counted in
``steps_before_dossier`` / ``updates_before_dossier`` (a step must never come first).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.sdk import Status, national_ma_tthc
from hub.testing.mock import MockConfig, MockState, SeedRecord, vn_wall_time
from hub.testing.samples import sample_dossier

__all__ = ["BUSY", "KNOWN_PROCEDURES", "DvcqgState"]

STAMP_FMT = "%Y%m%d%H%M%S"
BUSY = {"error_code": 99, "message": "Hệ thống đang bận, vui lòng thử lại sau", "result": None}
#: Procedures the mock portal knows beyond those of the dossiers it was sent; the
#: code 9.999999 is never known (check-catalog tests plant it).
KNOWN_PROCEDURES = ("1.000001", "1.001776", "1.001731", "2.000986", "1.006714", "2.002622")


def now_vn() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=7)


@dataclass
class Entry:
    record: dict[str, Any]
    updated_at: datetime
    history: list[dict[str, Any]] = field(default_factory=list)


class DvcqgState(MockState):
    def __init__(self, config: MockConfig) -> None:
        super().__init__(config, busy_body=BUSY)
        self.procedures: dict[str, str] = {c: f"Thủ tục {c}" for c in KNOWN_PROCEDURES}
        self.clear_records()
        if config.seed_count:
            self.seed(config.seed_count, config.seed)

    # --- the MockState interface --------------------------------------------------------

    def clear_records(self) -> None:
        self.entries: dict[str, Entry] = {}
        #: services called in order: (service, MaHoSo) — what the flow tests read.
        self.calls: list[tuple[str, str]] = []
        self.already_exists = 0
        self.steps_before_dossier = 0
        self.updates_before_dossier = 0
        self.expired_answers = 0

    def record_count(self) -> int:
        return len(self.entries)

    def record_view(self, ma_ho_so: str) -> dict[str, Any] | None:
        entry = self.entries.get(ma_ho_so)
        if entry is None:
            return None
        return {"record": entry.record, "history": entry.history}

    def seed(self, count: int, seed: int) -> list[str]:
        """Dossiers synced earlier (by another system): the portal holds them."""
        rng = random.Random(f"dvcqg:{seed}")
        codes = []
        for _ in range(count):
            dossier = sample_dossier(rng)
            record = {
                "MaHoSo": dossier.ma_ho_so,
                "MaTTHC": dossier.ma_tthc_quoc_gia,
                "TrangThaiHoSo": str(int(dossier.trang_thai)),
            }
            self.entries[dossier.ma_ho_so] = Entry(record, now_vn())
            codes.append(dossier.ma_ho_so)
        return codes

    def put_record(self, record: SeedRecord) -> None:
        history = [
            {
                "MaHoSo": record.ma_ho_so,
                "BuocXuLy": step.buoc,
                "NoiDungXuLy": step.noi_dung or step.buoc,
                "NguoiXuLy": step.nguoi_xu_ly or "",
                "PhongBanXuLy": step.phong_ban or "",
                "TrangThai": step.trang_thai.dvcqg,
                "NgayBatDau": f"{vn_wall_time(step.bat_dau):{STAMP_FMT}}",
                "ThoiDiemXuLy": f"{vn_wall_time(step.ket_thuc or step.bat_dau):{STAMP_FMT}}",
            }
            for step in record.history
        ]
        fields = {
            "MaHoSo": record.ma_ho_so,
            "MaTTHC": record.ma_tthc or "1.000001",
            "TrangThaiHoSo": str(int(record.trang_thai)),
        }
        updated = vn_wall_time(record.updated_at).replace(microsecond=0)
        self.entries[record.ma_ho_so] = Entry(fields, updated, history)

    def forget(self, ma_ho_so: str) -> bool:
        """The portal loses a dossier (a planted gap for backfill tests)."""
        return self.entries.pop(ma_ho_so, None) is not None

    # --- the portal's services ----------------------------------------------------------

    def dong_bo(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        updating = body["isUpdating"] == "True"
        for item in body["data"]:
            ma = item["MaHoSo"]
            self.calls.append(("DongBoHoSoMC:" + body["isUpdating"], ma))
            entry = self.entries.get(ma)
            if not updating and entry is not None:
                self.already_exists += 1
                return {"error_code": 4, "message": f"Hồ sơ {ma} đã tồn tại"}
            if updating and entry is None:
                self.updates_before_dossier += 1
                return {"error_code": 3, "message": f"Không tìm thấy hồ sơ {ma}"}
        for item in body["data"]:
            ma = item["MaHoSo"]
            entry = self.entries.get(ma)
            if entry is None:
                self.entries[ma] = Entry(dict(item), now_vn())
            else:
                entry.record = dict(item)
                entry.updated_at = now_vn()
            if item["MaTTHC"] not in self.procedures:
                self.procedures[item["MaTTHC"]] = item.get("TenTTHC") or item["MaTTHC"]
            self.journal.record_write("DongBoHoSoMC", ma, key, item["TrangThaiHoSo"])
        return {"error_code": 0, "message": "Đồng bộ thành công", "result": len(body["data"])}

    def tien_do(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        for item in body["data"]:
            self.calls.append(("CapNhatTienDoHoSoMC", item["MaHoSo"]))
            if item["MaHoSo"] not in self.entries:
                self.steps_before_dossier += 1
                return {"error_code": 3, "message": f"Không tìm thấy hồ sơ {item['MaHoSo']}"}
        for item in body["data"]:
            entry = self.entries[item["MaHoSo"]]
            if item not in entry.history:
                entry.history.append(dict(item))
            code = str(int(_STATUS_OF_WORD[item["TrangThai"]]))
            entry.record["TrangThaiHoSo"] = code
            entry.updated_at = now_vn()
            self.journal.record_write("CapNhatTienDoHoSoMC", item["MaHoSo"], key, code)
        return {"error_code": 0, "message": "Cập nhật tiến độ thành công", "result": None}

    def tra_cuu(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("TraCuuHoSo", body["MaHoSo"]))
        entry = self.entries.get(body["MaHoSo"])
        if entry is None:
            return {"error_code": 3, "message": "Không tìm thấy hồ sơ"}
        record = {**entry.record, "NgayCapNhat": f"{entry.updated_at:{STAMP_FMT}}"}
        result = {"HoSo": record, "QuaTrinhXuLy": list(entry.history)}
        return {"error_code": 0, "message": "OK", "result": result}

    def danh_sach(self, body: dict[str, Any]) -> dict[str, Any]:
        start = datetime.strptime(body["TuNgay"], STAMP_FMT)
        end = datetime.strptime(body["DenNgay"], STAMP_FMT)
        rows = [
            self._row(e)
            for _, e in sorted(self.entries.items())
            if start <= e.updated_at.replace(microsecond=0) <= end
        ]
        size, page = int(body["SoLuong"]), int(body["Trang"])
        result = {"DanhSach": rows[(page - 1) * size : page * size], "TongSo": len(rows)}
        return {"error_code": 0, "message": "OK", "result": result}

    def danh_sach_tthc(self) -> dict[str, Any]:
        rows = [{"MaTTHC": c, "TenTTHC": n} for c, n in sorted(self.procedures.items())]
        return {"error_code": 0, "message": "OK", "result": rows}

    def thu_tuc(self, body: dict[str, Any]) -> dict[str, Any]:
        code = national_ma_tthc(body["MaTTHC"])
        if code not in self.procedures:
            return {"error_code": 3, "message": "Không tìm thấy thủ tục"}
        return {
            "error_code": 0,
            "message": "OK",
            "result": {"MaTTHC": code, "TenTTHC": self.procedures[code]},
        }

    @staticmethod
    def _row(entry: Entry) -> dict[str, Any]:
        record = entry.record
        results = record.get("DanhSachGiayToKetQua") or []
        row = {
            "MaHoSo": record["MaHoSo"],
            "MaTTHC": record["MaTTHC"],
            "TrangThaiHoSo": record["TrangThaiHoSo"],
            "NgayCapNhat": f"{entry.updated_at:{STAMP_FMT}}",
        }
        if results:
            row["MaGiayToKetQua"] = results[-1].get("MaGiayToKetQua") or ""
            row["GiayToId"] = results[-1]["GiayToId"]
        return row


_STATUS_OF_WORD = {s.dvcqg: s for s in Status}
