"""The ngansach mock's ministry: budget-unit code dossiers (see :mod:`.data`)."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import date
from typing import Any

from hub.testing.mock import BusyReply, MockConfig, MockState

from .data import DOSSIERS

__all__ = ["NgansachState"]


class NgansachState(MockState):
    def __init__(self, config: MockConfig, busy: BusyReply) -> None:
        super().__init__(config, busy_body=busy)
        self.clear_records()

    def clear_records(self) -> None:
        """Back to the seeded dossiers."""
        self.dossiers = {d["record"]["MaHoSo"]: copy.deepcopy(d) for d in DOSSIERS}

    def record_count(self) -> int:
        return len(self.dossiers)

    def record_view(self, ma_ho_so: str) -> dict[str, Any] | None:
        d = self.dossiers.get(ma_ho_so)
        return None if d is None else {"record": d["record"], "history": d["steps"]}

    def seed(self, count: int, seed: int) -> list[str]:
        return []

    def theo_ngay(self, body: dict[str, Any]) -> dict[str, Any]:
        rows = [
            d["record"] for d in self.dossiers.values() if d["record"]["NgayNop"] == body["Ngay"]
        ]
        page, size = int(body.get("Trang") or 1), int(body.get("SoDong") or 50)
        return {"TongSo": len(rows), "HoSo": rows[(page - 1) * size : page * size]}

    def chi_tiet(self, body: dict[str, Any]) -> dict[str, Any] | None:
        d = self.dossiers.get(body["MaHoSo"])
        return None if d is None else {"HoSo": d["record"], "QuaTrinhXuLy": d["steps"]}

    def thong_ke(self, body: dict[str, Any]) -> dict[str, Any]:
        start, end = date.fromisoformat(body["TuNgay"]), date.fromisoformat(body["DenNgay"])
        counts: dict[str, Counter[str]] = {}
        for d in self.dossiers.values():
            r = d["record"]
            if not start <= date.fromisoformat(r["NgayNop"]) <= end:
                continue
            c = counts.setdefault(r["LoaiHinh"], Counter())
            c["TiepNhan"] += 1
            status = r["TrangThai"]
            c[
                "DaCapMa" if status in ("9", "10") else "TuChoi" if status == "3" else "DangXuLy"
            ] += 1
        rows = [
            {
                "LoaiHinh": k,
                **{f: counts[k][f] for f in ("TiepNhan", "DaCapMa", "TuChoi", "DangXuLy")},
            }
            for k in sorted(counts)
        ]
        return {"DongThongKe": rows}
