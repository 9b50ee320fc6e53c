"""The PayGov connector: a dossier's fees paid online (Nền tảng thanh toán, DVCQG).

PUSH: a status-6 event ("Yêu cầu thực hiện nghĩa vụ tài chính") sends INIT for the
fees the dossier still owes; the answer carries the payment URL the province hands to
the citizen. FETCH: QUERY by mã hồ sơ, the dossier's payment attempts as a process
history. :meth:`query` and :meth:`get_bill` serve the hub's pending sweep and receipts;
:meth:`read_notice` checks a Confirm notice (``notice.py``).
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

from hub.sdk import (
    Capability,
    Dossier,
    DossierEvent,
    Health,
    PushResult,
    RemoteDossier,
    Status,
    idempotency_key,
    probe,
)

from . import mapping, notice, signature
from . import messages as M
from .client import NOT_FOUND, OK, PaymentClient
from .settings import PaymentSettings

__all__ = ["PaymentConnector"]

SYSTEM = mapping.SYSTEM


class PaymentConnector:
    """The hub's side of PayGov (protocol 1.0.6)."""

    name = "payment"
    title = "Thanh toán trực tuyến (PayGov, Cổng DVCQG)"
    capabilities = frozenset({Capability.PUSH, Capability.FETCH})

    def __init__(self, settings: PaymentSettings) -> None:
        self.settings = settings
        self._client = PaymentClient(settings)

    # --- INIT ---------------------------------------------------------------------

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        """INIT for a status-6 event; any other event asks PayGov nothing."""
        if dossier.trang_thai != Status.YEU_CAU_NGHIA_VU_TAI_CHINH:
            return PushResult(
                remote_code="skipped",
                message="PayGov hears only of status 6 (financial obligation)",
            )
        key = idempotency_key(self.name, event)
        reference = mapping.ma_tham_chieu(key)
        body = mapping.to_init(dossier, reference, event.occurred_at, self.settings)
        answer = await self._client.call("INIT", body, idempotency_key=key)
        url = answer.get("DuongDanThanhToan")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise M.lacks("INIT", "DuongDanThanhToan")
        return PushResult(
            remote_id=reference,
            remote_code=OK,
            message=url,
            request_excerpt=body,
            response_excerpt=answer,
        )

    # --- QUERY --------------------------------------------------------------------

    async def _query(self, **where: str) -> list[mapping.Transaction] | None:
        body = mapping.signed(
            "QUERY",
            {
                "LoaiBanTin": "QUERY",
                "PhienBan": signature.VERSION,
                "MaDoiTac": self.settings.ma_doi_tac,
                "MaThamChieu": where.get("MaThamChieu", ""),
                "MaHoSo": where.get("MaHoSo", ""),
                "ThoiGianGD": mapping.format_stamp(mapping.now_vn()),
            },
            self.settings,
        )
        answer = await self._client.call("QUERY", body, accept=frozenset({OK, NOT_FOUND}))
        if str(answer["error_code"]) == NOT_FOUND:
            return None
        items = answer.get("GiaoDich")
        if not isinstance(items, list):
            raise M.lacks("QUERY", "GiaoDich")
        return [mapping.from_giao_dich(item) for item in items]

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        transactions = await self._query(MaHoSo=ma_ho_so)
        if not transactions:
            return None
        return mapping.to_remote(ma_ho_so, transactions)

    async def query(self, reference: str) -> mapping.Transaction | None:
        """One payment attempt by MaThamChieu; None when PayGov does not know it."""
        transactions = await self._query(MaThamChieu=reference)
        return transactions[0] if transactions else None

    # --- GET_BILL -----------------------------------------------------------------

    async def get_bill(self, reference: str) -> bytes:
        """The receipt (biên lai) PDF of a paid attempt."""
        body = mapping.signed(
            "GET_BILL",
            {
                "LoaiBanTin": "GET_BILL",
                "PhienBan": signature.VERSION,
                "MaDoiTac": self.settings.ma_doi_tac,
                "MaThamChieu": reference,
                "ThoiGianGD": mapping.format_stamp(mapping.now_vn()),
            },
            self.settings,
        )
        answer = await self._client.call("GET_BILL", body)
        return _pdf(answer.get("BienLai"))

    async def transaction_file(self, day: date, fmt: str = "csv") -> bytes:
        """PayGov's file of the day's paid transactions (``reconcile.py``)."""
        if fmt not in ("csv", "json"):
            raise ValueError(f"a transaction file is csv or json, not {fmt}")
        return await self._client.download(
            f"{self.settings.base_url}/doi-soat/{day:%Y-%m-%d}.{fmt}"
        )

    # --- the Confirm notice -------------------------------------------------------

    def read_notice(self, body: Any) -> notice.Notice:
        """A Confirm notice checked for shape, partner and MaXacThuc (``notice.py``)."""
        return notice.read(body, self.settings)

    def reply(self, ma_loi: str, mo_ta: str, thoi_gian_gd: str) -> dict[str, Any]:
        """The signed reply to a Confirm notice."""
        return notice.reply(ma_loi, mo_ta, thoi_gian_gd, self.settings)

    async def health(self) -> Health:
        return await probe(self._client.call("PING", {"MaDoiTac": self.settings.ma_doi_tac}))

    async def aclose(self) -> None:
        await self._client.aclose()


def _pdf(encoded: Any) -> bytes:
    if not isinstance(encoded, str) or not encoded:
        raise M.lacks("GET_BILL", "BienLai")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise M.bad_format("BienLai", "base64") from None
    if not data.startswith(b"%PDF-"):
        raise M.bad_format("BienLai", "PDF")
    return data
