"""The vantai connector (transport, under Bộ Xây dựng since 1 March 2025, formerly Bộ GTVT):
look-ups of transport dossiers, and fetch."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hub.sdk import (
    Capability,
    ContractError,
    Health,
    LookupNotFound,
    LookupPage,
    ProcessStep,
    RemoteDossier,
    Status,
    message,
    probe,
)

from . import queries
from .client import VantaiClient
from .settings import VantaiSettings

__all__ = ["VantaiConnector"]

SYSTEM = "vantai"


class VantaiConnector:
    """The hub's side of the transport dossier system (Bộ Xây dựng, formerly Bộ GTVT)."""

    name = SYSTEM
    title = "Quản lý vận tải (Bộ Xây dựng)"
    capabilities = frozenset({Capability.FETCH, Capability.LOOKUP})
    lookups = queries.QUERIES

    def __init__(self, settings: VantaiSettings) -> None:
        self.settings = settings
        self.lookup_settings = settings.lookups
        self._client = VantaiClient(settings)

    async def lookup(
        self, query: str, params: BaseModel, *, page: int, page_size: int
    ) -> LookupPage:
        p: Any = params
        if query == "danh_sach_ho_so":
            answer = await self._client.call(
                "DanhSachHoSo",
                {
                    "donViXuLy": p.don_vi_xu_ly,
                    "ngayNhan1": p.tu_ngay.isoformat(),
                    "ngayNhan2": p.den_ngay.isoformat(),
                    "trang": page,
                    "soDong": page_size,
                },
            )
            items = [queries.ho_so_row(i) for i in answer.get("data") or []]
            total = answer.get("tongSo")
            return LookupPage(
                items,
                total=int(total) if total is not None else None,
                page=page,
                page_size=page_size,
            )
        if query in ("tra_cuu_ho_so", "tai_lieu_ho_so"):
            service = "TraCuuHoSo" if query == "tra_cuu_ho_so" else "LayTaiLieuHoSo"
            found = await self._client.find(service, {"mahoso": p.ma_ho_so})
            if found is None:
                raise LookupNotFound(message("lookup.not_found", system=SYSTEM), system=SYSTEM)
            if query == "tra_cuu_ho_so":
                return LookupPage([queries.ho_so_row(found.get("data") or {}, detail=True)])
            return LookupPage([queries.tai_lieu_row(i) for i in found.get("data") or []])
        if query == "thong_ke_theo_thang":
            body: dict[str, Any] = {"nam": p.nam}
            if p.don_vi_xu_ly:
                body["donViXuLy"] = p.don_vi_xu_ly
            answer = await self._client.call("ThongKeHoSo", body)
            rows, totals = queries.thong_ke_rows(answer.get("data") or [])
            return LookupPage(list(rows), totals=totals)
        raise ValueError(f"vantai has no look-up {query!r}")

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        answer = await self._client.find("TraCuuHoSo", {"mahoso": ma_ho_so})
        if answer is None:
            return None
        record = answer.get("data") or {}
        return RemoteDossier(
            ma_ho_so=ma_ho_so,
            trang_thai=_status(record.get("trangThai")),
            history=[_step(s) for s in record.get("quaTrinhXuLy") or []],
            raw_status=record.get("trangThai"),
        )

    async def health(self) -> Health:
        return await probe(self._client.call("KiemTraKetNoi", {}))

    async def aclose(self) -> None:
        await self._client.aclose()


def _status(code: Any) -> Status | None:
    if code in (None, ""):
        return None
    try:
        return Status(int(code))
    except ValueError:
        raise ContractError(
            message("contract.unknown_value", system=SYSTEM, field="trangThai"), system=SYSTEM
        ) from None


def _step(item: dict[str, Any]) -> ProcessStep:
    from datetime import datetime, timedelta, timezone

    status = _status(item.get("trangThai"))
    try:
        started = datetime.strptime(str(item.get("thoiDiem")), "%Y%m%d%H%M%S")
    except ValueError:
        raise ContractError(
            message("contract.format", system=SYSTEM, field="thoiDiem", expected="yyyyMMddHHmmss"),
            system=SYSTEM,
        ) from None
    if status is None or not item.get("tenBuoc"):
        raise ContractError(
            message("contract.missing", operation="QuaTrinh", field="tenBuoc/trangThai"),
            system=SYSTEM,
        )
    return ProcessStep(
        buoc=str(item["tenBuoc"]),
        trang_thai=status,
        noi_dung=item.get("noiDung") or None,
        bat_dau=started.replace(tzinfo=timezone(timedelta(hours=7))),
    )
