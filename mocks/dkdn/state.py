"""The dkdn mock's gateway: businesses and registration dossiers (see :mod:`.data`)."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone
from typing import Any

from hub.testing.mock import MockConfig, MockState

from .data import ENTITIES, dossiers

__all__ = ["BUSY", "DkdnState"]

BUSY = {"error_code": "99", "message": "Hệ thống đang bận, vui lòng thử lại sau"}
VN = timezone(timedelta(hours=7))
KIND_OF_PATH = {
    "/apiDKKD/DoanhNghiep/chiTietDoanhNghiep": ("DN", "msdn"),
    "/apiDKKD/HoKinhDoanh/chiTietHoKinhDoanh": ("HKD", "mst"),
    "/apiDKKD/HopTacXa/chiTietHopTacXa": ("HTX", "mst"),
}


def _day(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


class DkdnState(MockState):
    def __init__(self, config: MockConfig) -> None:
        super().__init__(config, busy_body=BUSY)
        self.clear_records()

    def clear_records(self) -> None:
        """Back to the seeded businesses and dossiers."""
        self.entities = copy.deepcopy(ENTITIES)
        self.dossiers = dossiers(datetime.now(VN).date())

    def record_count(self) -> int:
        return len(self.dossiers)

    def record_view(self, ma_ho_so: str) -> dict[str, Any] | None:
        found = [d for d in self.dossiers if d["soHoSo"] == ma_ho_so]
        return {"record": found[0], "history": []} if found else None

    def seed(self, count: int, seed: int) -> list[str]:
        return []

    def detail(self, path: str, params: dict[str, str]) -> dict[str, Any] | None:
        kind, name = KIND_OF_PATH[path]
        found = self.entities.get((kind, params[name]))
        return None if found is None else {"data": found}

    def listing(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        if path.endswith("TiepNhan"):
            start, end = _day(params["tuNgay"]), _day(params["denNgay"])
            rows = [d for d in self.dossiers if start <= _day(d["ngayTiepNhan"]) <= end]
        else:
            rows = [d for d in self.dossiers if d["ngayXuLy"] == params["ngay"]]
        page, size = int(params.get("trang", 1)), int(params.get("soDong", 50))
        public = [{k: v for k, v in d.items() if k != "ngayXuLy"} for d in rows]
        return {"tongSo": len(rows), "data": public[(page - 1) * size : page * size]}
