"""The vantai mock's ministry: transport dossiers with their documents and histories.

After a reset the mock holds :data:`mocks.vantai.data.DOSSIERS` again (the look-ups
read them); ``POST /_mock/records`` adds dossiers with a known status and history
(the conformance suite's FETCH check).
"""

from __future__ import annotations

import copy
from collections import Counter
from datetime import date
from typing import Any

from hub.testing.mock import MockConfig, MockState, SeedRecord, vn_wall_time

from .data import DOSSIERS, UNITS

__all__ = ["BUSY", "VantaiState"]

BUSY = {"error_code": "99", "message": "Hệ thống đang bận, vui lòng thử lại sau"}
STAMP = "%Y%m%d%H%M%S"


class VantaiState(MockState):
    def __init__(self, config: MockConfig) -> None:
        super().__init__(config, busy_body=BUSY)
        self.clear_records()

    # --- the MockState interface ------------------------------------------------

    def clear_records(self) -> None:
        """Back to the seeded dossiers."""
        self.dossiers: dict[str, dict[str, Any]] = {d["mahoso"]: copy.deepcopy(d) for d in DOSSIERS}

    def record_count(self) -> int:
        return len(self.dossiers)

    def record_view(self, ma_ho_so: str) -> dict[str, Any] | None:
        d = self.dossiers.get(ma_ho_so)
        return None if d is None else {"record": d, "history": d["quaTrinhXuLy"]}

    def seed(self, count: int, seed: int) -> list[str]:
        return []  # nothing is filed at the ministry for the province to pull

    def put_record(self, record: SeedRecord) -> None:
        steps = [
            {
                "tenBuoc": s.buoc,
                "trangThai": str(int(s.trang_thai)),
                "thoiDiem": f"{vn_wall_time(s.bat_dau):{STAMP}}",
                **({"noiDung": s.noi_dung} if s.noi_dung else {}),
            }
            for s in record.history
        ]
        day = vn_wall_time(record.updated_at).date()
        self.dossiers[record.ma_ho_so] = {
            "mahoso": record.ma_ho_so,
            "maTTHC": record.ma_tthc or "1.002861",
            "tenTTHC": "Cấp Giấy phép kinh doanh vận tải bằng xe ô tô",
            "chuHoSo": "Công ty TNHH Vận tải Thử nghiệm",
            "ngayNhan": day.isoformat(),
            "ngayHenTra": day.isoformat(),
            "trangThai": str(int(record.trang_thai)),
            "donViXuLy": "SXD-QNG",
            "treHan": False,
            "quaTrinhXuLy": steps,
            "taiLieu": [],
        }

    # --- the ministry's checks and services --------------------------------------

    def refuse_headers(self, unit: str | None, key: str | None) -> dict[str, Any] | None:
        """The -300..-304 answer for the headers, or None when they are right."""
        keys = {**UNITS, "000.00.22.H34": self.config.accept_key}
        if not unit:
            return {"error_code": "-300", "message": "Mã đơn vị không được để trống"}
        if not key:
            return {"error_code": "-301", "message": "ApiKey không được để trống"}
        if unit not in keys:
            return {"error_code": "-303", "message": "Mã đơn vị không đúng"}
        if key not in keys.values():
            return {"error_code": "-302", "message": "ApiKey không đúng"}
        if keys[unit] != key:
            return {"error_code": "-304", "message": "Lỗi ApiKey: khóa không dùng cho đơn vị này"}
        return None

    @staticmethod
    def _public(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if k not in ("quaTrinhXuLy", "taiLieu", "treHan")}

    def danh_sach(self, body: dict[str, Any]) -> dict[str, Any]:
        start, end = date.fromisoformat(body["ngayNhan1"]), date.fromisoformat(body["ngayNhan2"])
        rows = [
            self._public(d)
            for d in sorted(self.dossiers.values(), key=lambda d: (d["ngayNhan"], d["mahoso"]))
            if d["donViXuLy"] == body["donViXuLy"]
            and start <= date.fromisoformat(d["ngayNhan"]) <= end
        ]
        page, size = int(body.get("trang", 1)), int(body.get("soDong", 50))
        return {"tongSo": len(rows), "data": rows[(page - 1) * size : page * size]}

    def tra_cuu(self, body: dict[str, Any]) -> dict[str, Any] | None:
        d = self.dossiers.get(body["mahoso"])
        return (
            None if d is None else {"data": {**self._public(d), "quaTrinhXuLy": d["quaTrinhXuLy"]}}
        )

    def tai_lieu(self, body: dict[str, Any]) -> dict[str, Any] | None:
        d = self.dossiers.get(body["mahoso"])
        return None if d is None else {"data": list(d["taiLieu"])}

    def thong_ke(self, body: dict[str, Any]) -> dict[str, Any]:
        counts: dict[int, Counter[str]] = {}
        for d in self.dossiers.values():
            received = date.fromisoformat(d["ngayNhan"])
            if received.year != body["nam"]:
                continue
            if body.get("donViXuLy") and d["donViXuLy"] != body["donViXuLy"]:
                continue
            c = counts.setdefault(received.month, Counter())
            c["tiepNhan"] += 1
            c["daGiaiQuyet" if d["trangThai"] in ("9", "10") else "dangGiaiQuyet"] += 1
            c["treHan"] += 1 if d["treHan"] else 0
        rows = [
            {
                "thang": m,
                **{k: counts[m][k] for k in ("tiepNhan", "daGiaiQuyet", "dangGiaiQuyet", "treHan")},
            }
            for m in sorted(counts)
        ]
        return {"data": rows}
