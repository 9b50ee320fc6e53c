"""The hộ tịch connector: civil registration (khai sinh, khai tử, kết hôn; Bộ Tư pháp).

The province receives the dossier and hands it to the civil-registration system
(NhanDKHT), which processes it; the hub then polls LayKetQua (TRACK) and tells the
province of each change: supplement required with its deadline, refused with the
reason, result ready with the certificate.

Which province events send what:

* ``dossier.received``: NhanDKHT (the dossier and its ``data``);
* ``dossier.updated``: NhanDKHT again with the same maHoSoMCDT, an upsert: corrected
  detail, or the supplement after the ministry asked for one (status 2 -> 3);
* every other event (progress, status changes, result, return at the province):
  nothing to send, the ministry is the one processing; the push answers
  ``remote_code="not_sent"`` so the job ends as synced.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from hub.sdk import (
    Capability,
    ContractError,
    Dossier,
    DossierEvent,
    EventType,
    Health,
    Period,
    PermanentError,
    PullBatch,
    PushResult,
    RemoteDossier,
    RemoteRecord,
    idempotency_key,
    message,
    probe,
)

from . import mapping
from .client import OK, HotichClient
from .messages import NO_PULL
from .settings import HotichSettings

__all__ = ["HotichConnector"]

#: Events sent as NhanDKHT (upsert by maHoSoMCDT).
SUBMIT_EVENTS = frozenset({EventType.RECEIVED, EventType.UPDATED})
NOT_SENT = "not_sent"


class HotichConnector:
    """Push received civil-status dossiers; track their processing and results."""

    name = "hotich"
    title = "Hộ tịch (Bộ Tư pháp)"
    capabilities = frozenset({Capability.PUSH, Capability.FETCH, Capability.TRACK})

    def __init__(self, settings: HotichSettings) -> None:
        self.settings = settings
        self._client = HotichClient(settings)
        #: mã hồ sơ -> module of dossiers pushed by this process: saves LayKetQua calls.
        self._modules: dict[str, str] = {}

    # --- push -------------------------------------------------------------

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        if event.type not in SUBMIT_EVENTS:
            return PushResult(
                remote_code=NOT_SENT,
                message=f"hộ tịch processes the dossier itself; nothing to send for {event.type}",
            )
        if event.type is EventType.RECEIVED and dossier.ngay_tiep_nhan is None:
            # Refused at reception: the ministry never hears of it.
            return PushResult(remote_code=NOT_SENT, message="refused at reception; not sent")
        body = mapping.to_nhan_dkht(
            dossier, ma_don_vi=self.settings.ma_don_vi, modules=self.settings.modules
        )
        answer = await self._client.call(
            "NhanDKHT", body, idempotency_key=idempotency_key(self.name, event)
        )
        self._modules[dossier.ma_ho_so] = body["module"]
        return PushResult(
            remote_id=str(answer.get("maHoSoLT") or "") or None,
            remote_code=OK,
            message=str(answer.get("statusDescription") or "") or None,
            request_excerpt=mapping.summary(body),
            response_excerpt={k: v for k, v in answer.items() if k != "errorDescription"},
        )

    # --- lookups ----------------------------------------------------------

    async def _lay_ket_qua(self, ma_ho_so: str, module: str) -> dict[str, Any] | None:
        body = {"maDinhDanhHoSo": [ma_ho_so], "maTinh": self.settings.ma_tinh, "module": module}
        answer = await self._client.call("LayKetQua", body)
        values = answer.get("value")
        if not isinstance(values, list):
            raise ContractError(
                message("contract.missing", operation="LayKetQua", field="value"),
                system=self.name,
            )
        for item in values:
            if isinstance(item, dict) and item.get("maHoSoMCDT") == ma_ho_so:
                return item
        return None

    async def _find(self, ma_ho_so: str) -> tuple[str, dict[str, Any]] | None:
        known = self._modules.get(ma_ho_so)
        for module in (known,) if known else mapping.MODULES:
            item = await self._lay_ket_qua(ma_ho_so, module)
            if item is not None:
                self._modules[ma_ho_so] = module
                return module, item
        return None

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        found = await self._find(ma_ho_so)
        if found is None:
            return None
        module, item = found
        return RemoteDossier(ma_ho_so=ma_ho_so, **mapping.from_ket_qua(item, module))

    async def download_result(self, ma_ho_so: str) -> bytes | None:
        """The certificate's bytes (resolves :func:`mapping.certificate_ref`); None if none yet."""
        found = await self._find(ma_ho_so)
        if found is None or not isinstance(found[1].get("ketQuaXuLy"), dict):
            return None
        return mapping.decode_certificate(found[1]["ketQuaXuLy"])

    # --- not offered by the ministry ------------------------------------------
    # The Connector protocol (checked with isinstance at load time) has every method;
    # hộ tịch declares neither PULL nor LIST, so the hub never calls these.

    async def pull(self, since: str | None) -> PullBatch:
        raise PermanentError(NO_PULL(what="pull"), system=self.name)

    async def acknowledge(self, remote_ids: list[str]) -> None:
        raise PermanentError(NO_PULL(what="acknowledge"), system=self.name)

    async def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:
        raise PermanentError(NO_PULL(what="list_remote"), system=self.name)
        yield  # pragma: no cover - makes this an async generator, as the protocol says

    async def health(self) -> Health:
        # A lookup of nothing: cheap, and proves the key and the route.
        return await probe(self._lay_ket_qua("000.00.00.H00-000101-0000", "LTKS"))

    async def aclose(self) -> None:
        await self._client.aclose()
