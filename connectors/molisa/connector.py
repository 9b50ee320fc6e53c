"""The MOLISA connector: social assistance (Trợ giúp xã hội), under Bộ Y tế since 1 March
2025 (formerly Bộ LĐTBXH; the system keeps its short name)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from hub.sdk import (
    Capability,
    ContractError,
    Dossier,
    DossierEvent,
    EventType,
    Health,
    MappingError,
    Message,
    Origin,
    Period,
    PullBatch,
    PulledDossier,
    PushResult,
    RemoteDossier,
    RemoteRecord,
    Status,
    idempotency_key,
    load_address_tables,
    message,
    probe,
)

from . import mapping
from .client import NOT_FOUND, OK, MolisaClient
from .listing import ListingRows
from .settings import MolisaSettings

__all__ = ["MolisaConnector"]

#: Events sent as a DongBoDVC snapshot (upsert by MaHoSo).
SNAPSHOT_EVENTS = frozenset(
    {
        EventType.CREATED,
        EventType.RECEIVED,
        EventType.STATUS_CHANGED,
        EventType.UPDATED,
        EventType.RETURNED,
    }
)


class MolisaConnector:
    """Pull dossiers filed at MOLISA; push reception, progress and results; look up; list."""

    name = "molisa"
    title = "Trợ giúp xã hội (Bộ Y tế)"
    capabilities = frozenset({Capability.PUSH, Capability.PULL, Capability.FETCH, Capability.LIST})

    def __init__(self, settings: MolisaSettings) -> None:
        self.settings = settings
        self._client = MolisaClient(settings)

    def warm_up(self) -> None:
        """What the first push loads (the address tables of the form it sends), loaded
        now: the worker calls this from a thread when it starts."""
        load_address_tables(self.settings.address_form)

    # --- push -------------------------------------------------------------

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        key = idempotency_key(self.name, event)
        if event.type in SNAPSHOT_EVENTS:
            return await self._sync(dossier, key)
        if event.type is EventType.PROGRESS:
            body = mapping.to_xu_ly_ho_so(
                dossier, mapping.latest_step(dossier), don_vi_xu_ly=self.settings.don_vi_xu_ly
            )
            answer = await self._client.call("XuLyHoSo", body, idempotency_key=key)
            return PushResult(
                remote_code=OK,
                message=answer.get("message"),
                request_excerpt=body,
                response_excerpt=answer,
            )
        if event.type is EventType.RESULT:
            return await self._push_result(dossier, key)
        raise ContractError(
            message("contract.no_operation", system=self.name, event_type=str(event.type)),
            system=self.name,
        )

    async def _sync(self, dossier: Dossier, key: str) -> PushResult:
        body = self._dong_bo_body(dossier)
        answer = await self._client.call("DongBoDVC", body, idempotency_key=key)
        return PushResult(
            remote_code=OK,
            message=answer.get("message"),
            request_excerpt=body,
            response_excerpt=answer,
        )

    def _dong_bo_body(self, dossier: Dossier) -> dict[str, Any]:
        return mapping.to_dong_bo_dvc(
            dossier,
            ma_tthc_map=self.settings.ma_tthc_map,
            don_vi_xu_ly=self.settings.don_vi_xu_ly,
            address_form=self.settings.address_form,
        )

    async def _push_result(self, dossier: Dossier, key: str) -> PushResult:
        if dossier.ket_qua is None:
            raise MappingError(
                message("mapping.result_required"), field="ket_qua", system=self.name
            )
        snapshot = dossier.model_copy(
            update={"trang_thai": max(dossier.trang_thai, Status.DA_XU_LY_XONG)}
        )
        body = self._dong_bo_body(snapshot)
        # Map every file before sending anything, so a mapping error sends nothing.
        files = [
            mapping.to_gui_ket_qua(
                dossier, item, n=n, content_required=self.settings.result_content_required
            )
            for n, item in enumerate(dossier.ket_qua.files)
        ]
        answer = await self._client.call("DongBoDVC", body, idempotency_key=key)
        replies = []
        for n, file_body in enumerate(files):
            replies.append(
                await self._client.call("GuiKetQua", file_body, idempotency_key=f"{key}:file:{n}")
            )
        return PushResult(
            remote_code=OK,
            message=answer.get("message"),
            # The excerpt keeps the files' hashes, not their content.
            request_excerpt={
                "DongBoDVC": body,
                "GuiKetQua": [{k: v for k, v in f.items() if k != "NoiDungTep"} for f in files],
            },
            response_excerpt={"DongBoDVC": answer, "GuiKetQua": replies},
        )

    # --- pull -------------------------------------------------------------

    async def pull(self, since: str | None) -> PullBatch:
        body = {"ConTro": since or "", "SoLuong": self.settings.page_size}
        answer = await self._client.call("LayDanhSachHoSoMoi", body)
        records = answer.get("DanhSach")
        if not isinstance(records, list):
            raise ContractError(_lacks("LayDanhSachHoSoMoi", "DanhSach"), system=self.name)
        items = []
        for record in records:
            if not isinstance(record, dict) or not record.get("HoSoId"):
                raise ContractError(_lacks("LayDanhSachHoSoMoi", "HoSoId"), system=self.name)
            dossier = mapping.from_ho_so(
                record,
                origin=Origin.MINISTRY,
                status=Status.MOI_DANG_KY,
                ma_tthc_map=self.settings.ma_tthc_map,
            )
            items.append(
                PulledDossier(remote_id=str(record["HoSoId"]), dossier=dossier, raw_excerpt=record)
            )
        cursor = answer.get("ConTroTiepTheo") or since
        return PullBatch(items=items, cursor=cursor, more=bool(answer.get("ConNua")))

    async def acknowledge(self, remote_ids: list[str]) -> None:
        for start in range(0, len(remote_ids), 1000):  # the contract's maxItems
            await self._client.call(
                "XacNhanDaNhan", {"DanhSachHoSoId": remote_ids[start : start + 1000]}
            )

    # --- lookups ----------------------------------------------------------

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        answer = await self._client.call(
            "TraCuuHoSo", {"MaHoSo": ma_ho_so}, accept=frozenset({OK, NOT_FOUND})
        )
        if str(answer["error_code"]) == NOT_FOUND:
            return None
        record = answer.get("HoSo")
        if not isinstance(record, dict):
            raise ContractError(_lacks("TraCuuHoSo", "HoSo"), system=self.name)
        status = mapping.status_from_molisa(record.get("StatusId"))
        origin = Origin.MINISTRY if record.get("HoSoId") else Origin.PROVINCE
        try:
            dossier = mapping.from_ho_so(
                record, origin=origin, ma_tthc_map=self.settings.ma_tthc_map
            )
        except ContractError:
            # The lookup is for status and history; MOLISA's record may lack what the
            # canonical model needs at some statuses (it has no return date for 10).
            dossier = None
        return RemoteDossier(
            ma_ho_so=ma_ho_so,
            trang_thai=status,
            history=[mapping.from_xu_ly(e) for e in answer.get("QuaTrinhXuLy") or []],
            dossier=dossier,
            remote_id=record.get("HoSoId") or None,
            raw_status=str(record.get("StatusId")),
        )

    async def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:
        async for page in self.list_remote_pages(period):
            for line in page:
                yield line

    async def list_remote_pages(self, period: Period) -> AsyncIterator[list[RemoteRecord]]:
        """DanhSachHoSo's pages as they come, each mapped at once (a reconciliation
        spills a page per insert, not a record per yield)."""
        body = {
            "TuNgay": mapping.format_date(period.start),
            "DenNgay": mapping.format_date(period.end),
        }
        lines = ListingRows(self.settings.ma_tthc_map)
        pages = self._client.pages(
            "DanhSachHoSo", body, size=self.settings.page_size, ahead=self.settings.listing_ahead
        )
        async for rows in pages:
            yield lines.page(rows)

    async def health(self) -> Health:
        today = mapping.format_date(datetime.now(mapping.VN_TZ).date())
        return await probe(
            self._client.call(
                "DanhSachHoSo", {"TuNgay": today, "DenNgay": today, "Trang": 1, "SoLuong": 1}
            )
        )

    async def aclose(self) -> None:
        await self._client.aclose()


def _lacks(operation: str, field: str) -> Message:
    return message("contract.missing", operation=operation, field=field)
