"""The two Bộ Xây dựng connectors: construction permits and planning information.

Both systems monitor what the province processes: the province pushes each event
(the dossier's state with every process step, then its result) and looks dossiers up
by mã hồ sơ; reconciliation lists a period. The permit system also takes the permit
record and its signed file ("Đồng bộ giấy phép BXD"): on ``dossier.permit_recorded``,
and with the result when the dossier carries one. A permit the ministry already holds
("đã tồn tại", error_code 4) is sent again as an update, never as a second record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

from hub.sdk import (
    Capability,
    Dossier,
    DossierEvent,
    EventType,
    Health,
    Period,
    PushResult,
    RemoteDossier,
    RemoteRecord,
    idempotency_key,
    probe,
)

from . import mapping
from .client import ALREADY_EXISTS, XaydungClient
from .permit import read_permit
from .settings import CapPhepSettings, QuyHoachSettings, XaydungSettings

__all__ = ["CapPhepConnector", "QuyHoachConnector"]

#: The events that carry the permit to the permit system (when the dossier holds one).
PERMIT_EVENTS = frozenset({EventType.PERMIT_RECORDED, EventType.RESULT})


class _XaydungConnector:
    """What both systems share; the wire format lives in mapping.py and client.py."""

    name: ClassVar[str]
    title: ClassVar[str]
    capabilities = frozenset({Capability.PUSH, Capability.FETCH, Capability.LIST})
    #: Whether this system takes the permit record and file.
    takes_permits: ClassVar[bool] = False

    def __init__(self, settings: XaydungSettings) -> None:
        self.settings = settings
        self._client = XaydungClient(settings, self.name)

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        # Map everything first: a MappingError here sends nothing.
        body = mapping.to_ho_so(dossier, self.name, self.settings.ma_don_vi)
        permit = None
        if self.takes_permits and event.type in PERMIT_EVENTS:
            permit = read_permit(dossier.extra, self.name)
        key = idempotency_key(self.name, event)
        answer = await self._client.call("DongBoHoSo", body, idempotency_key=key)
        if permit is None:
            return self._result(dossier, body, answer)
        data = mapping.to_giay_phep(dossier, permit[0], permit[1], self.settings.ma_don_vi)
        reply = await self._send_permit(
            data, permit[0].tep.ten_tep, permit[0].tep.mime, permit[1], f"{key}:giay-phep"
        )
        excerpt = {"DongBoHoSo": body, "DongBoGiayPhep": data}
        return self._result(
            dossier,
            excerpt,
            {"DongBoHoSo": answer, "DongBoGiayPhep": reply},
            message=str(reply.get("message") or ""),
        )

    async def _send_permit(
        self, data: dict[str, Any], name: str, mime: str, content: bytes, key: str
    ) -> dict[str, Any]:
        """Create the permit; when the ministry already holds it, update it in place."""
        file = (name, content, mime)
        reply = await self._client.upload(
            "DongBoGiayPhep", data, file, idempotency_key=key, accept=frozenset({ALREADY_EXISTS})
        )
        if str(reply["error_code"]) == ALREADY_EXISTS:
            update = {**data, "CapNhat": True}
            reply = await self._client.upload(
                "DongBoGiayPhep", update, file, idempotency_key=f"{key}:cap-nhat"
            )
        return reply

    def _result(
        self, dossier: Dossier, request: Any, answer: dict[str, Any], message: str | None = None
    ) -> PushResult:
        first = answer.get("DongBoHoSo", answer)
        return PushResult(
            remote_id=first.get("HoSoId") or None,
            remote_code="0",
            message=message if message is not None else first.get("message"),
            request_excerpt=request,
            response_excerpt=answer,
        )

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        answer = await self._client.find("TraCuuHoSo", {"MaHoSo": ma_ho_so})
        if answer is None:
            return None
        record = answer.get("HoSo") or {}
        return RemoteDossier(
            ma_ho_so=ma_ho_so,
            trang_thai=mapping.status_from_remote(record.get("TrangThai"), self.name),
            history=[mapping.from_buoc(i, self.name) for i in answer.get("QuaTrinhXuLy") or []],
            remote_id=record.get("HoSoId") or None,
            raw_status=record.get("TrangThai"),
            result=mapping.from_result(record, answer.get("GiayPhep"), self.name),
        )

    async def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:
        page, size = 1, self.settings.page_size
        while True:
            body = {
                "TuNgay": mapping.format_date(period.start),
                "DenNgay": mapping.format_date(period.end),
                "Trang": page,
                "SoLuong": size,
            }
            answer = await self._client.call("DanhSachHoSo", body)
            rows = answer.get("DanhSach") or []
            for row in rows:
                yield mapping.from_dong(row, self.name)
            if len(rows) < size or page * size >= int(answer.get("TongSo") or 0):
                return
            page += 1

    async def health(self) -> Health:
        return await probe(self._client.call("KiemTraKetNoi", {}))

    async def aclose(self) -> None:
        await self._client.aclose()


class CapPhepConnector(_XaydungConnector):
    """Hệ thống cấp phép xây dựng toàn quốc: progress, results, permits with their file."""

    name = "xaydung_capphep"
    title = "Cấp phép xây dựng toàn quốc (Bộ Xây dựng)"
    takes_permits = True

    def __init__(self, settings: CapPhepSettings) -> None:
        super().__init__(settings)


class QuyHoachConnector(_XaydungConnector):
    """Hệ thống cung cấp thông tin quy hoạch toàn quốc: progress and results."""

    name = "xaydung_quyhoach"
    title = "Thông tin quy hoạch toàn quốc (Bộ Xây dựng)"

    def __init__(self, settings: QuyHoachSettings) -> None:
        super().__init__(settings)
