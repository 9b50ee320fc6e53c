"""The MONRE connector: DVC thiết yếu, environment and land procedures, over SOAP; under Bộ
Nông nghiệp và Môi trường since 1 March 2025 (formerly Bộ TN&MT; the short name stays)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from hub.sdk import (
    Capability,
    Catalog,
    ContractError,
    Dossier,
    DossierEvent,
    EventType,
    Health,
    HubError,
    MappingError,
    Period,
    PullBatch,
    PulledDossier,
    PushResult,
    RejectedError,
    RemoteDossier,
    RemoteRecord,
    Status,
    idempotency_key,
    load_address_tables,
    message,
)

from . import mapping
from .client import NOT_FOUND, MonreClient
from .messages import KHO_NO_FILE
from .process import planned_step
from .settings import MonreSettings

__all__ = ["MonreConnector"]

#: Events sent as a TiepNhanHoSo snapshot (upsert by MaHoSo): all need ngày sinh and phone.
RECEPTION_EVENTS = frozenset(
    {EventType.CREATED, EventType.RECEIVED, EventType.STATUS_CHANGED, EventType.UPDATED}
)


class MonreConnector:
    """Pull dossiers filed at MONRE; push reception, step progress, results and "Lưu vào kho"."""

    name = "monre"
    title = "DVC thiết yếu (Bộ Nông nghiệp và Môi trường)"
    capabilities = frozenset({Capability.PUSH, Capability.PULL, Capability.FETCH, Capability.LIST})

    def __init__(
        self,
        settings: MonreSettings,
        catalog: Catalog | Callable[[], Catalog] | None = None,
    ) -> None:
        """:param catalog: the procedure catalog (or a loader, called once when first
        needed) that fills a step's deadline and office when the province sent none."""
        self.settings = settings
        self._client = MonreClient(settings)
        self._catalog = catalog

    def warm_up(self) -> None:
        """What the first push loads (the address tables of the form it sends, the TLS
        context of the SOAP pool), loaded now: the worker calls this from a thread when
        it starts."""
        load_address_tables(self.settings.address_form)
        self._client.warm_up()

    def catalog(self) -> Catalog | None:
        if callable(self._catalog):
            self._catalog = self._catalog()
        return self._catalog

    def _progress_body(self, dossier: Dossier) -> dict[str, Any]:
        step = mapping.latest_step(dossier)
        phong_ban = self.settings.phong_ban
        han_xu_ly = None
        catalog = self.catalog() if not (step.han_xu_ly and step.phong_ban) else None
        if catalog is not None:
            planned = planned_step(catalog, dossier, step)
            if planned is not None:
                han_xu_ly = planned.deadline
                phong_ban = planned.responsible or phong_ban
        return mapping.to_cap_nhat_tien_do(dossier, step, phong_ban=phong_ban, han_xu_ly=han_xu_ly)

    # --- push -------------------------------------------------------------

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        key = idempotency_key(self.name, event)
        if event.type in RECEPTION_EVENTS:
            body = mapping.to_tiep_nhan(dossier, self.settings.address_form)
            return await self._send("TiepNhanHoSo", body, key)
        if event.type is EventType.PROGRESS:
            return await self._send("CapNhatTienDo", self._progress_body(dossier), key)
        if event.type is EventType.RESULT:
            body = mapping.to_tra_ket_qua(dossier, Status.DA_XU_LY_XONG)
            return await self._send("TraKetQua", body, key)
        if event.type is EventType.STORED:
            return await self._store(dossier, key)
        if event.type is EventType.RETURNED:
            body = mapping.to_tra_ket_qua(dossier, Status.DA_TRA_KET_QUA)
            return await self._send("TraKetQua", body, key)
        raise ContractError(
            message("contract.no_operation", system=self.name, event_type=str(event.type)),
            system=self.name,
        )

    async def _send(self, operation: str, body: dict[str, Any], key: str) -> PushResult:
        answer = await self._client.call(operation, body, idempotency_key=key)
        return PushResult(
            remote_code="OK",
            message=answer.get("ThongBao"),
            request_excerpt={operation: body},
            response_excerpt={operation: answer},
        )

    async def _store(self, dossier: Dossier, key: str) -> PushResult:
        """The "Lưu vào kho" step: each result file into the citizen's store with the officer's
        extracted data; the province hears "Đã lưu giấy tờ" with the store codes."""
        if dossier.ket_qua is None or not dossier.ket_qua.files:
            raise MappingError(KHO_NO_FILE(), field="ket_qua.files", system=self.name)
        # Map every document before sending anything, so a mapping error sends nothing.
        kho = [mapping.to_luu_vao_kho(dossier, n) for n in range(len(dossier.ket_qua.files))]
        # The first document under the job's own key (the job's write at the ministry),
        # the others under keys of their own: a retry applies none twice.
        stored = [
            await self._client.call(
                "LuuVaoKho", item, idempotency_key=key if n == 0 else f"{key}:kho:{n}"
            )
            for n, item in enumerate(kho)
        ]
        codes = [str(answer.get("MaGiayToKho") or "") for answer in stored]
        return PushResult(
            remote_code="OK",
            message=stored[-1].get("ThongBao"),
            request_excerpt={"LuuVaoKho": kho},
            response_excerpt={"LuuVaoKho": stored},
            province_update={
                "kind": "document_stored",
                "payload": {
                    "trang_thai_giay_to_vi": "Đã lưu giấy tờ",
                    "trang_thai_giay_to_en": "Document stored",
                    "ma_giay_to_kho": codes,
                },
            },
        )

    # --- pull -------------------------------------------------------------

    async def pull(self, since: str | None) -> PullBatch:
        body = {"ConTro": since or None, "SoLuong": self.settings.page_size}
        answer = await self._client.call("LayDanhSachHoSoMoi", body)
        items = []
        for record in answer.get("HoSo") or []:
            items.append(
                PulledDossier(
                    remote_id=str(record["HoSoId"]),
                    dossier=mapping.from_ho_so_moi(record),
                    raw_excerpt=record,
                )
            )
        cursor = answer.get("ConTroTiepTheo") or since
        return PullBatch(items=items, cursor=cursor, more=bool(answer.get("ConNua")))

    async def acknowledge(self, remote_ids: list[str]) -> None:
        for start in range(0, len(remote_ids), 1000):  # the contract's maxOccurs
            await self._client.call("XacNhanDaNhan", {"HoSoId": remote_ids[start : start + 1000]})

    # --- lookups ----------------------------------------------------------

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        try:
            answer = await self._client.call("TraCuuHoSo", {"MaHoSo": ma_ho_so})
        except RejectedError as exc:
            if exc.remote_code == NOT_FOUND:
                return None
            raise
        history = [mapping.from_buoc_xu_ly(b) for b in answer.get("BuocXuLy") or []]
        return RemoteDossier(
            ma_ho_so=ma_ho_so,
            trang_thai=mapping.status_from_monre(answer.get("TrangThai")),
            history=history,
            remote_id=answer.get("HoSoId") or None,
            raw_status=str(answer.get("TrangThai")),
            result=mapping.from_ket_qua(answer.get("KetQua")),
            deadline=answer.get("NgayHenTra"),
        )

    async def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:
        page = 1
        while True:
            body = {
                "TuNgay": period.start,
                "DenNgay": period.end,
                "Trang": page,
                "SoLuong": self.settings.page_size,
            }
            answer = await self._client.call("DanhSachHoSo", body)
            rows = answer.get("Dong") or []
            for row in rows:
                yield mapping.from_dong(row)
            if len(rows) < self.settings.page_size or page * self.settings.page_size >= int(
                answer.get("TongSo") or 0
            ):
                return
            page += 1

    # --- health -----------------------------------------------------------

    async def health(self) -> Health:
        started = time.perf_counter()
        try:
            answer = await self._client.call("KiemTraKetNoi", {})
        except HubError as exc:
            return Health(ok=False, detail=str(exc))
        return Health(
            ok=True,
            detail=f"MONRE {answer.get('PhienBan') or ''}".strip(),
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
        )

    async def aclose(self) -> None:
        await self._client.aclose()
