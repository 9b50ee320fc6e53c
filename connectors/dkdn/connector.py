"""The dkdn connector: look-ups at business registration (Bộ Tài chính since 1 March 2025,
formerly Bộ KH&ĐT) through the
provincial gateway."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hub.sdk import Capability, Health, LookupNotFound, LookupPage, message, probe

from . import queries
from .client import DkdnClient
from .settings import DkdnSettings

__all__ = ["DkdnConnector"]

SYSTEM = "dkdn"


class DkdnConnector:
    """The hub's side of the business registration gateway: look-ups only."""

    name = SYSTEM
    title = "Đăng ký doanh nghiệp (Bộ Tài chính)"
    capabilities = frozenset({Capability.LOOKUP})
    lookups = queries.QUERIES

    def __init__(self, settings: DkdnSettings) -> None:
        self.settings = settings
        self.lookup_settings = settings.lookups
        self._client = DkdnClient(settings)

    async def lookup(
        self, query: str, params: BaseModel, *, page: int, page_size: int
    ) -> LookupPage:
        p: Any = params
        if query in queries.DETAIL_PATHS:
            path, name = queries.DETAIL_PATHS[query]
            answer = await self._client.get(path, {name: getattr(p, name)})
            if answer is None:
                raise LookupNotFound(
                    message("lookup.not_found_code", system=SYSTEM, what=name), system=SYSTEM
                )
            return LookupPage([queries.chu_the_row(answer.get("data"))])
        if query == "ho_so_tiep_nhan":
            path = "HoSo/danhSachHoSoTiepNhan"
            args = {"tuNgay": f"{p.tu_ngay:%d/%m/%Y}", "denNgay": f"{p.den_ngay:%d/%m/%Y}"}
        elif query == "ho_so_xu_ly_trong_ngay":
            path, args = "HoSo/danhSachHoSoXuLyTrongNgay", {"ngay": f"{p.ngay:%d/%m/%Y}"}
        else:
            raise ValueError(f"{SYSTEM} has no look-up {query!r}")
        answer = await self._client.get(path, {**args, "trang": page, "soDong": page_size})
        rows = [queries.ho_so_row(item) for item in (answer or {}).get("data") or []]
        total = (answer or {}).get("tongSo")
        return LookupPage(
            list(rows),
            total=int(total) if total is not None else None,
            page=page,
            page_size=page_size,
        )

    async def health(self) -> Health:
        return await probe(self._client.get("KiemTraKetNoi", {}))

    async def aclose(self) -> None:
        await self._client.aclose()
