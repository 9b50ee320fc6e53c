"""The ngansach connector: look-ups of budget-unit code dossiers (Bộ Tài chính, SOAP)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hub.sdk import Capability, Health, LookupNotFound, LookupPage, message, probe

from . import queries
from .client import NgansachClient
from .settings import NgansachSettings

__all__ = ["NgansachConnector"]

SYSTEM = "ngansach"


class NgansachConnector:
    """The hub's side of the budget-unit code system: look-ups only."""

    name = SYSTEM
    title = "Mã số đơn vị có quan hệ với ngân sách (Bộ Tài chính)"
    capabilities = frozenset({Capability.LOOKUP})
    lookups = queries.QUERIES

    def __init__(self, settings: NgansachSettings) -> None:
        self.settings = settings
        self.lookup_settings = settings.lookups
        self._client = NgansachClient(settings)

    async def lookup(
        self, query: str, params: BaseModel, *, page: int, page_size: int
    ) -> LookupPage:
        p: Any = params
        if query == "ho_so_theo_ngay":
            body = {"Ngay": p.ngay.isoformat(), "Trang": page, "SoDong": page_size}
            answer = await self._client.call("DanhSachHoSoTheoNgay", body)
            listed = [queries.ho_so_row(item) for item in answer.get("HoSo") or []]
            return LookupPage(
                listed, total=int(answer.get("TongSo") or 0), page=page, page_size=page_size
            )
        if query == "chi_tiet_ho_so":
            found = await self._client.find("ChiTietHoSo", {"MaHoSo": p.ma_ho_so})
            if found is None:
                raise LookupNotFound(message("lookup.not_found", system=SYSTEM), system=SYSTEM)
            steps = list(found.get("QuaTrinhXuLy") or [])
            return LookupPage([queries.ho_so_row(found.get("HoSo"), steps)])
        if query == "thong_ke_theo_ky":
            body = {"TuNgay": p.tu_ngay.isoformat(), "DenNgay": p.den_ngay.isoformat()}
            answer = await self._client.call("ThongKeTheoKy", body)
            rows, totals = queries.thong_ke_rows(list(answer.get("DongThongKe") or []))
            return LookupPage(list(rows), totals=totals)
        raise ValueError(f"{SYSTEM} has no look-up {query!r}")

    async def health(self) -> Health:
        return await probe(self._client.call("KiemTraKetNoi", {}))

    async def aclose(self) -> None:
        await self._client.aclose()
