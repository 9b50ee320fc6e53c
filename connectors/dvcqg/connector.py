"""The national portal connector (Cổng Dịch vụ công quốc gia, DVCQG).

Every dossier the province ingests is synced with ``DongBoHoSoMC`` (create, and on
"đã tồn tại" the same data again as an update) and every processing step with
``CapNhatTienDoHoSoMC``. The hub's worker sends one dossier's events in order, so a
step never reaches the portal before its dossier. ``TraCuuHoSo`` looks one up and
``LayDanhSachHoSo`` lists a period for reconciliation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from hub.sdk import (
    Capability,
    Catalog,
    ContractError,
    Dossier,
    DossierEvent,
    EventType,
    Health,
    Message,
    Period,
    PushResult,
    RemoteDossier,
    RemoteRecord,
    idempotency_key,
    load_catalog,
    message,
    probe,
)

from . import mapping
from .client import NOT_FOUND, OK, DvcqgClient, already_exists
from .settings import DvcqgSettings

__all__ = ["DvcqgConnector"]

#: Events whose first sync is a create (the portal normally lacks the dossier);
#: the others are sent as an update first (the portal normally holds it).
CREATE_FIRST = frozenset({EventType.CREATED, EventType.RECEIVED})


class DvcqgConnector:
    """Push every dossier and step to the national portal; look up; list."""

    name = "dvcqg"
    title = "Cổng Dịch vụ công quốc gia (DVCQG)"
    capabilities = frozenset({Capability.PUSH, Capability.FETCH, Capability.LIST})

    def __init__(self, settings: DvcqgSettings, *, catalog: Catalog | None = None) -> None:
        self.settings = settings
        self._catalog = catalog
        self._client = DvcqgClient(settings)

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog()  # the bundled catalog when the hub gave none
        return self._catalog

    @property
    def session_renewals(self) -> int:
        """How many times an expired session was renewed (for the demo and operators)."""
        return self._client.renewals

    # --- push -------------------------------------------------------------------------

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        key = idempotency_key(self.name, event)
        if event.type is EventType.PROGRESS and dossier.qua_trinh:
            return await self._progress(dossier, key)
        return await self._sync(dossier, key, create_first=event.type in CREATE_FIRST)

    async def _sync(self, dossier: Dossier, key: str, *, create_first: bool) -> PushResult:
        """``DongBoHoSoMC`` as an upsert; a dossier new at the portal gets its steps too."""
        item = mapping.to_dossier(dossier, don_vi_xu_ly=self.settings.don_vi_xu_ly)
        progress = self._steps(dossier)  # mapped before anything is sent
        created, answer = await self._upsert(item, key, create_first=create_first)
        excerpt: dict[str, Any] = {"DongBoHoSoMC": answer}
        if progress and not created:
            # An earlier attempt of this job may have created the dossier and then failed
            # on its steps: the retry finds the dossier there, so ask what it holds.
            remote = await self.fetch(dossier.ma_ho_so)
            progress = progress[len(remote.history) if remote else 0 :]
        if progress:
            # A dossier the portal lacked (first sync, a backfill) gets its whole history;
            # one an earlier attempt created without its steps gets the missing ones.
            excerpt["CapNhatTienDoHoSoMC"] = await self._client.call(
                "CapNhatTienDoHoSoMC", {"data": progress}, idempotency_key=key
            )
        return PushResult(
            remote_code=OK,
            message=str(answer.get("message") or "") or None,
            request_excerpt={"data": [item]},
            response_excerpt=excerpt,
        )

    async def _upsert(
        self, item: dict[str, Any], key: str, *, create_first: bool
    ) -> tuple[bool, dict[str, Any]]:
        """Returns (created?, the answer). Create, and on "đã tồn tại" update; or update,
        and when the portal does not hold the dossier, create."""
        service = "DongBoHoSoMC"
        order = ("False", "True") if create_first else ("True", "False")
        answer = await self._client.call(
            service, {"isUpdating": order[0], "data": [item]}, idempotency_key=key, accept=None
        )
        code = str(answer.get("error_code")).strip()
        if code == OK:
            return order[0] == "False", answer
        if order[0] == "False" and not already_exists(code, answer):
            raise self._client.error(service, code, answer)
        if order[0] == "True" and code != NOT_FOUND:
            raise self._client.error(service, code, answer)
        answer = await self._client.call(
            service, {"isUpdating": order[1], "data": [item]}, idempotency_key=key
        )
        return order[1] == "False", answer

    async def _progress(self, dossier: Dossier, key: str) -> PushResult:
        step = dossier.qua_trinh[-1]
        item = mapping.to_progress(dossier, step, self.catalog, status=dossier.trang_thai)
        answer = await self._client.call(
            "CapNhatTienDoHoSoMC", {"data": [item]}, idempotency_key=key
        )
        return PushResult(
            remote_code=OK,
            message=str(answer.get("message") or "") or None,
            request_excerpt={"data": [item]},
            response_excerpt=answer,
        )

    def _steps(self, dossier: Dossier) -> list[dict[str, Any]]:
        steps = dossier.qua_trinh
        return [
            mapping.to_progress(
                dossier, s, self.catalog, status=dossier.trang_thai if n == len(steps) - 1 else None
            )
            for n, s in enumerate(steps)
        ]

    # --- look-ups -----------------------------------------------------------------------

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        answer = await self._client.call(
            "TraCuuHoSo", {"MaHoSo": ma_ho_so}, accept=frozenset({OK, NOT_FOUND})
        )
        if str(answer.get("error_code")).strip() == NOT_FOUND:
            return None
        result = answer.get("result")
        record = result.get("HoSo") if isinstance(result, dict) else None
        if not isinstance(result, dict) or not isinstance(record, dict):
            raise ContractError(_lacks("TraCuuHoSo", "result.HoSo"), system=self.name)
        history = result.get("QuaTrinhXuLy") or []
        if not isinstance(history, list):
            raise ContractError(_lacks("TraCuuHoSo", "QuaTrinhXuLy"), system=self.name)
        return RemoteDossier(
            ma_ho_so=ma_ho_so,
            trang_thai=mapping.status_from_dvcqg(record.get("TrangThaiHoSo")),
            history=[mapping.from_progress(item) for item in history],
            raw_status=str(record.get("TrangThaiHoSo")),
            deadline=mapping.parse_stamp(record.get("NgayHenTra"), "HoSo.NgayHenTra"),
        )

    async def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:
        start, end = mapping.day_bounds(period.start, period.end)
        page = 1
        while True:
            body = {
                "TuNgay": start,
                "DenNgay": end,
                "Trang": page,
                "SoLuong": self.settings.page_size,
            }
            answer = await self._client.call("LayDanhSachHoSo", body)
            result = answer.get("result")
            rows = result.get("DanhSach") if isinstance(result, dict) else None
            if not isinstance(rows, list):
                raise ContractError(_lacks("LayDanhSachHoSo", "result.DanhSach"), system=self.name)
            for row in rows:
                yield mapping.from_list_row(row)
            total = result.get("TongSo") if isinstance(result, dict) else None
            if not rows or (isinstance(total, int) and page * self.settings.page_size >= total):
                return
            page += 1

    # --- the national catalog (tthc-hub dvcqg check-catalog) ------------------------------

    async def national_procedures(self) -> set[str]:
        """Every mã TTHC the portal lists (``LayDanhSachTTHC``)."""
        answer = await self._client.call("LayDanhSachTTHC", {})
        rows = answer.get("result")
        if not isinstance(rows, list):
            raise ContractError(_lacks("LayDanhSachTTHC", "result"), system=self.name)
        return {str(r["MaTTHC"]) for r in rows if isinstance(r, dict) and r.get("MaTTHC")}

    async def procedure_exists(self, ma_tthc: str) -> bool:
        """Whether the portal knows one procedure (``LayThuTuc``)."""
        answer = await self._client.call(
            "LayThuTuc", {"MaTTHC": ma_tthc}, accept=frozenset({OK, NOT_FOUND})
        )
        return str(answer.get("error_code")).strip() == OK

    async def health(self) -> Health:
        today = datetime.now(mapping.VN_TZ).date()
        start, end = mapping.day_bounds(today, today)
        return await probe(
            self._client.call(
                "LayDanhSachHoSo", {"TuNgay": start, "DenNgay": end, "Trang": 1, "SoLuong": 1}
            )
        )

    async def aclose(self) -> None:
        await self._client.aclose()


def _lacks(operation: str, field: str) -> Message:
    return message("contract.missing", operation=operation, field=field)
