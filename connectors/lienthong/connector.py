"""The liên thông connector: the national interlinked services (khai sinh, khai tử groups).

PULL: list the dossiers not yet acknowledged, then the detail of each (XML data
and base64 files, hashed and dropped); acknowledge with a PUT; then the change feed
(``sauSttThayDoi``): the detail again of each pulled dossier changed since. PUSH: the
province's status with the observed codes (1, 2, 4, 6, 7). FETCH: the detail
with its status history. LIST: the listing by date of last change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from hub.sdk import (
    Capability,
    ContractError,
    Dossier,
    DossierEvent,
    Health,
    Period,
    PullBatch,
    PulledDossier,
    PushResult,
    RemoteDossier,
    RemoteRecord,
    idempotency_key,
    message,
    probe,
)

from . import mapping
from .client import LienthongClient
from .settings import LienthongSettings

__all__ = ["LienthongConnector"]


def _cursor(since: str | None) -> tuple[int, int | None]:
    """``(stt, sttThayDoi)`` of a stored cursor; None for a change feed not yet followed."""
    stt, _, change = (since or "").partition(":")
    return (int(stt) if stt.isdigit() else 0, int(change) if change.isdigit() else None)


class LienthongConnector:
    """Mirror interlinked dossiers; push the province's status; look up; list."""

    name = "lienthong"
    title = "Dịch vụ công liên thông (khai sinh, khai tử)"
    capabilities = frozenset({Capability.PUSH, Capability.PULL, Capability.FETCH, Capability.LIST})

    def __init__(self, settings: LienthongSettings) -> None:
        self.settings = settings
        self.client = LienthongClient(settings)

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        body = mapping.to_cap_nhat(
            dossier, co_quan_xu_ly=self.settings.co_quan_xu_ly, at=event.occurred_at
        )
        answer = await self.client.call(
            "POST", "hoso/capnhattrangthai", body, idempotency_key=idempotency_key(self.name, event)
        )
        excerpt = {k: v for k, v in body.items() if k != "nguoiXuLy"}
        return PushResult(
            remote_code=str(body["trangThai"]), request_excerpt=excerpt, response_excerpt=answer
        )

    async def _page(self, body: dict[str, object]) -> tuple[list[dict[str, object]], int]:
        answer = await self.client.call("POST", "hoso/danhsach", dict(body))
        rows = answer.get("danhSach") if answer else None
        if not isinstance(rows, list):
            raise ContractError(
                message("contract.missing", operation="danhsach", field="danhSach"),
                system=self.name,
            )
        return rows, int(answer.get("tongSo") or 0) if answer else 0

    async def detail(self, ma_ho_so: str) -> dict[str, object] | None:
        """The raw detail record (with the base64 files): for downloads, never stored."""
        return await self.client.call("POST", "hoso/chitiet", {"maHoSo": ma_ho_so}, allow_404=True)

    async def pull(self, since: str | None) -> PullBatch:
        """New dossiers (not yet acknowledged, after ``stt``) and then the change feed
        (after ``sttThayDoi``): a dossier pulled before whose status or result files
        changed at the ministry comes again, re-fetched, and the hub updates its copy.
        The cursor is ``"<stt>:<sttThayDoi>"``; without one (a first pull, or a bare
        ``"<stt>"``) the feed is followed from its current end, read before the new
        dossiers' details, so no change after those details is missed."""
        after, changed_after = _cursor(since)
        if changed_after is None:
            changed_after = await self._feed_end()
        rows, total = await self._page(
            {"chuaXacNhan": True, "sauStt": after, "trang": 1, "soLuong": self.settings.page_size}
        )
        items: list[PulledDossier] = []
        for row in rows:
            after = max(after, int(str(row.get("stt") or 0)))
            item = await self._pulled(str(row.get("maHoSo")))
            if item is not None:
                items.append(item)
        seen = {i.remote_id for i in items}
        changes, changed_total = await self._page(
            {"sauSttThayDoi": changed_after, "trang": 1, "soLuong": self.settings.page_size}
        )
        for row in changes:
            changed_after = max(changed_after, int(str(row.get("sttThayDoi") or 0)))
            ma = str(row.get("maHoSo"))
            # A row without a module was filed at the province (Cách 1): the province's
            # own dossier, whose status the hub pushed; the mirror already has it.
            if ma in seen or not row.get("module"):
                continue
            item = await self._pulled(ma)
            if item is not None:
                items.append(item)
        more = total > len(rows) or changed_total > len(changes)
        return PullBatch(items=items, cursor=f"{after}:{changed_after}", more=more)

    async def _feed_end(self) -> int:
        """The highest ``sttThayDoi`` now: the last row of the feed from 0."""
        _rows, total = await self._page({"sauSttThayDoi": 0, "trang": 1, "soLuong": 1})
        if total == 0:
            return 0
        last, _ = await self._page({"sauSttThayDoi": 0, "trang": total, "soLuong": 1})
        return max((int(str(r.get("sttThayDoi") or 0)) for r in last), default=0)

    async def _pulled(self, ma_ho_so: str) -> PulledDossier | None:
        record = await self.detail(ma_ho_so)
        if record is None or not record.get("data"):
            return None  # withdrawn between the list and the detail, or status-only
        dossier = mapping.from_chi_tiet(record)
        excerpt = {k: record.get(k) for k in ("maDonVi", "maTTHC", "module", "maHoSo")}
        # The province only looks interlinked dossiers up ("Danh sách hồ sơ liên thông
        # DVCLT"); they are processed at the ministries, never received from the inbox.
        return PulledDossier(
            remote_id=dossier.ma_ho_so, dossier=dossier, raw_excerpt=excerpt, lookup_only=True
        )

    async def acknowledge(self, remote_ids: list[str]) -> None:
        for start in range(0, len(remote_ids), 500):
            await self.client.call(
                "PUT", "hoso/xacnhan", {"danhSachMaHoSo": remote_ids[start : start + 500]}
            )

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        record = await self.detail(ma_ho_so)
        if record is None:
            return None
        history = [mapping.from_qua_trinh(i) for i in record.get("quaTrinh") or []]  # type: ignore[attr-defined]
        dossier = None
        if record.get("data"):
            try:
                dossier = mapping.from_chi_tiet(record)
            except ContractError:
                dossier = None  # a lookup is for status and history
        code = record.get("trangThai")
        return RemoteDossier(
            ma_ho_so=ma_ho_so,
            trang_thai=mapping.STATUS_FROM_LT.get(int(code)) if code is not None else None,  # type: ignore[call-overload]
            history=history,
            dossier=dossier,
            remote_id=str(record.get("maHoSoLT") or "") or None,
            raw_status=str(code) if code is not None else None,
        )

    async def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:
        page = 1
        while True:
            rows, total = await self._page(
                {
                    "tuNgay": f"{period.start:%Y%m%d}",
                    "denNgay": f"{period.end:%Y%m%d}",
                    "trang": page,
                    "soLuong": self.settings.page_size,
                }
            )
            for row in rows:
                code = row.get("trangThai")
                yield RemoteRecord(
                    ma_ho_so=str(row["maHoSo"]),
                    ma_tthc=str(row.get("maTTHC") or "") or None,
                    trang_thai=mapping.STATUS_FROM_LT.get(int(code)) if code is not None else None,  # type: ignore[call-overload]
                    updated_at=mapping.parse_stamp(row.get("ngayCapNhat"), "ngayCapNhat"),
                )
            if not rows or page * self.settings.page_size >= total:
                return
            page += 1

    async def health(self) -> Health:
        today = f"{datetime.now(UTC):%Y%m%d}"
        return await probe(
            self._page({"tuNgay": today, "denNgay": today, "trang": 1, "soLuong": 1})
        )

    async def aclose(self) -> None:
        await self.client.aclose()
