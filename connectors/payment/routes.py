"""``/api/v1/payment/...``: PayGov's Confirm notice, a dossier's payments, receipts.

``POST /api/v1/payment/confirm`` takes no API key: PayGov signs the notice (MaXacThuc)
and the hub checks it, with the amount asked and the notice's age. Every notice is kept
masked in the payment attempts log (``payment_notices``), applied or not. The other
routes need the ``viewer`` role, and a receipt (a personal document) ``payload-viewer``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from hub.sdk import RequestRefused, error_body, mask_excerpt, requires, text_path

from . import ledger, notice
from . import messages as M

__all__ = ["build"]

log = structlog.get_logger("connectors.payment")


def build(hub: Any) -> APIRouter:
    router = APIRouter(prefix="/api/v1/payment", tags=["payment"])
    keys = hub.settings.api_keys
    viewer = [Depends(requires(keys, "viewer"))]
    payload_viewer = [Depends(requires(keys, "payload-viewer"))]

    # The body is read by hand (a malformed notice still gets PayGov's signed reply), so
    # its shape is declared here for the OpenAPI; the signature is checked in notice.read.
    confirm_body = {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": list(notice.REQUIRED),
                        "properties": {name: {"type": "string"} for name in notice.REQUIRED},
                    }
                }
            },
        }
    }

    @router.post("/confirm", openapi_extra=confirm_body)
    async def confirm(request: Request) -> JSONResponse:
        """PayGov's Confirm notice: applied once, answered with the signed reply."""
        raw = await request.body()
        try:
            body: Any = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            body = None
        return await _confirm(hub, body)

    @router.get("/dossiers/{ma_ho_so}", dependencies=viewer)
    async def payments(ma_ho_so: str = text_path()) -> JSONResponse:
        """A dossier's payment attempts: state, amounts, receipt hash."""
        await asyncio.to_thread(ledger.sync, hub)
        rows = await asyncio.to_thread(hub.store.payments_of, ma_ho_so)
        if not rows:
            raise RequestRefused(M.NO_PAYMENT(), code="not_found", loc="ma_ho_so")
        return JSONResponse({"items": [ledger.view(r) for r in rows]})

    @router.get("/receipts/{ma_tham_chieu}", dependencies=payload_viewer)
    async def receipt(ma_tham_chieu: str = text_path()) -> Response:
        """The receipt PDF (biên lai); its sha256 in ``X-Content-SHA256``."""
        found = await asyncio.to_thread(hub.store.get_receipt, ma_tham_chieu)
        if found is None:
            raise RequestRefused(M.NO_RECEIPT(), code="not_found", loc="ma_tham_chieu")
        pdf, digest = found
        headers = {
            "X-Content-SHA256": digest,
            "Content-Disposition": f'attachment; filename="bien-lai-{ma_tham_chieu}.pdf"',
        }
        return Response(pdf, media_type="application/pdf", headers=headers)

    return router


async def _confirm(hub: Any, body: Any) -> JSONResponse:
    connector = hub.connectors[ledger.CONNECTOR]
    masked = mask_excerpt(body) if body is not None else None
    reference = body.get("MaThamChieu") if isinstance(body, dict) else None
    reference = str(reference)[:50] if reference else None
    try:
        checked = connector.read_notice(body)
        await _apply(hub, checked, masked)
    except notice.NoticeRefused as exc:
        await asyncio.to_thread(
            hub.store.log_payment_notice,
            ledger.CONNECTOR, reference, "refused", exc.ma_loi, exc.stored(), masked,
        )  # fmt: skip
        log.warning("payment_notice_refused", ma_tham_chieu=reference, ma_loi=exc.ma_loi)
        reply = connector.reply(exc.ma_loi, notice.REPLY_TEXT[exc.ma_loi], exc.thoi_gian_gd)
        return JSONResponse({**reply, **error_body(exc)}, status_code=exc.status)
    # The receipt (GET_BILL) is fetched by the sweep (``ledger.fetch_receipts``), not
    # here: PayGov waits for this reply, and a receipt's failure must not undo it.
    reply = connector.reply(notice.RECEIVED, notice.REPLY_TEXT[notice.RECEIVED],
                            checked.raw_thoi_gian_gd)  # fmt: skip
    return JSONResponse(reply)


async def _apply(hub: Any, checked: notice.Notice, masked: str | None) -> str:
    """The ledger's side: the attempt must exist and the amount match; then apply once."""
    tx = await asyncio.to_thread(hub.store.get_payment, checked.ma_tham_chieu)
    if tx is None:
        await asyncio.to_thread(ledger.sync, hub)  # an INIT the ledger has not recorded yet
        tx = await asyncio.to_thread(hub.store.get_payment, checked.ma_tham_chieu)
    when = checked.raw_thoi_gian_gd
    if tx is None:
        raise notice.NoticeRefused(M.NOTICE_UNKNOWN(), ma_loi="03", thoi_gian_gd=when)
    if checked.so_tien != int(tx["so_tien"]):
        raise notice.NoticeRefused(M.NOTICE_AMOUNT(), ma_loi="02", thoi_gian_gd=when)
    if not checked.paid:
        await asyncio.to_thread(
            hub.store.log_payment_notice,
            ledger.CONNECTOR, checked.ma_tham_chieu, "not_paid", checked.ma_loi, None, masked,
        )  # fmt: skip
        return "not_paid"
    outcome = await asyncio.to_thread(
        ledger.apply_paid,
        hub,
        checked.ma_tham_chieu,
        amount=checked.so_tien,
        paid_at=checked.thoi_gian_gd,
        ma_giao_dich=checked.ma_giao_dich,
        ma_ngan_hang=checked.ma_ngan_hang,
        body=masked or "",
    )
    return outcome or "unknown"
