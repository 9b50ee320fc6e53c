"""The hub's ledger of payment attempts: recorded from the INITs the worker sent,
settled by Confirm notices (or by QUERY when a notice never came), with receipts.

Everything here goes through the running hub (``hub.store``'s payment queries and
``hub.calendar``); the rules are:

* an attempt enters the ledger once, from a done INIT job (its MaThamChieu), with the
  fees and amount asked, and the province hears its payment URL (``payment_requested``);
* a paid notice is applied once: the attempt is paid, the dossier's deadline clock,
  paused since the request (status 6), resumes: the working time that was left at the
  request is counted again from the payment, giving the new ngày hẹn trả; the province
  hears ``paid`` with it, in the same transaction. A duplicate changes nothing;
* an attempt pending longer than ``pending_query_minutes`` is queried; still unpaid, it
  is reported to the province once (``payment_overdue``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from hub.sdk import Dossier, mask_excerpt

from . import mapping

__all__ = ["apply_paid", "fetch_receipt", "fetch_receipts", "sweep", "sync", "view"]

CONNECTOR = mapping.SYSTEM
log = structlog.get_logger("connectors.payment")


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _local(moment: datetime | None) -> str | None:
    moment = _aware(moment)
    return None if moment is None else moment.astimezone(mapping.VN_TZ).isoformat()


def _url(excerpt: str | None) -> str | None:
    """The payment URL of INIT's reply, from the attempt's masked excerpt (None when the
    excerpt was cut or masked there)."""
    try:
        url = json.loads(excerpt or "").get("DuongDanThanhToan")
    except (ValueError, AttributeError):
        return None
    return url if isinstance(url, str) and "*" not in url else None


def sync(hub: Any) -> int:
    """Record the INITs the worker sent that the ledger does not hold yet; how many."""
    added = 0
    for row in hub.store.unrecorded_payment_jobs(CONNECTOR):
        dossier = Dossier.model_validate(row["snapshot"])
        fees = [{"ma": f.ma, "ten": f.ten, "so_tien": f.so_tien} for f in dossier.le_phi_con_no]
        url = _url(row["response_excerpt"])
        values = {
            "ma_tham_chieu": row["remote_id"],
            "connector": CONNECTOR,
            "ma_ho_so": row["ma_ho_so"],
            "job_id": row["job_id"],
            "so_tien": dossier.so_tien_con_no,
            "fees": fees,
            "payment_url": url,
            "state": "pending",
            "requested_at": _aware(row["occurred_at"]),
        }
        payload = {
            "ma_ho_so": row["ma_ho_so"],
            "ma_tham_chieu": row["remote_id"],
            "so_tien": dossier.so_tien_con_no,
            "le_phi": fees,
            "payment_url": url,
        }
        if hub.store.record_payment_request(values, payload):
            added += 1
            log.info("payment_requested", ma_ho_so=row["ma_ho_so"], ma_tham_chieu=row["remote_id"])
    return added


def _resumed(hub: Any, tx: dict[str, Any], mirror: dict[str, Any] | None, paid_at: datetime):
    """(dossier columns, old date, new date): the clock paused from the request resumes
    at the payment with the working time that was left."""
    if mirror is None:
        return {}, None, None
    column = "ngay_hen_tra_moi" if mirror.get("ngay_hen_tra_moi") else "ngay_hen_tra"
    old = _aware(mirror.get(column))
    paused_from = _aware(tx["requested_at"])
    if old is None or paused_from is None or paid_at <= paused_from:
        return {}, old, old
    calendar = hub.calendar
    left = calendar.working_time_between(paused_from, old) if old > paused_from else timedelta(0)
    new = calendar.add_working_time(paid_at, left)
    if new <= old:
        return {}, old, old
    return {column: new.astimezone(UTC), "deadline_state": "ok"}, old, new


def apply_paid(
    hub: Any,
    reference: str,
    *,
    amount: int,
    paid_at: datetime,
    ma_giao_dich: str,
    ma_ngan_hang: str,
    body: str,
) -> str | None:
    """Apply a payment once: ``applied``, ``duplicate`` or None (unknown MaThamChieu)."""
    paid_at = paid_at.astimezone(UTC)

    def plan(
        tx: dict[str, Any], mirror: dict[str, Any] | None
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        dossier_values, old, new = _resumed(hub, tx, mirror, paid_at)
        tx_values = {
            "state": "paid",
            "paid_at": paid_at,
            "paid_amount": amount,
            "ma_giao_dich": ma_giao_dich or None,
            "ma_ngan_hang": ma_ngan_hang or None,
        }
        payload = {
            "ma_ho_so": tx["ma_ho_so"],
            "ma_tham_chieu": reference,
            "thanh_toan": "paid",
            "so_tien": amount,
            "ma_giao_dich": ma_giao_dich,
            "ma_ngan_hang": ma_ngan_hang,
            "thoi_gian_thanh_toan": _local(paid_at),
            "tam_dung_tu": _local(tx["requested_at"]),
            "ngay_hen_tra_cu": _local(old),
            "ngay_hen_tra": _local(new),
        }
        return tx_values, dossier_values, payload

    outcome = hub.store.apply_payment_notice(CONNECTOR, reference, body, plan)
    log.info("payment_notice", ma_tham_chieu=reference, outcome=outcome or "unknown")
    return outcome


async def fetch_receipt(hub: Any, reference: str) -> str:
    """GET_BILL and keep the PDF; its sha256."""
    connector = hub.connectors[CONNECTOR]
    pdf = await connector.get_bill(reference)
    digest = hashlib.sha256(pdf).hexdigest()
    hub.store.store_receipt(reference, pdf, digest)
    log.info("payment_receipt_stored", ma_tham_chieu=reference, sha256=digest, size=len(pdf))
    return digest


async def sweep(hub: Any, now: datetime | None = None) -> dict[str, int]:
    """Record new INITs; QUERY attempts pending too long: apply those paid, report the
    rest once; fetch the receipts of paid attempts that have none."""
    import asyncio

    now = now or datetime.now(UTC)
    connector = hub.connectors[CONNECTOR]
    counts = {
        "recorded": await asyncio.to_thread(sync, hub),
        "paid": 0,
        "reported": 0,
        "receipts": 0,
    }
    before = now - timedelta(minutes=connector.settings.pending_query_minutes)
    for tx in await asyncio.to_thread(hub.store.stale_pending_payments, before):
        reference = tx["ma_tham_chieu"]
        found = await connector.query(reference)
        if found is not None and found.state == "paid":
            body = mask_excerpt({"QUERY": reference, "MaGiaoDich": found.ma_giao_dich})
            outcome = await asyncio.to_thread(
                apply_paid,
                hub,
                reference,
                amount=found.so_tien,
                paid_at=found.thoi_gian_thanh_toan or now,
                ma_giao_dich=found.ma_giao_dich or "",
                ma_ngan_hang=found.ma_ngan_hang or "",
                body=body,
            )
            counts["paid"] += outcome == "applied"
            continue
        state = found.state if found is not None else "unknown"
        values: dict[str, Any] = {"queried_at": now, "reported_at": now}
        if state in ("cancelled", "failed"):
            values["state"] = state
        payload = {
            "ma_ho_so": tx["ma_ho_so"],
            "ma_tham_chieu": reference,
            "thanh_toan": state,
            "so_tien": tx["so_tien"],
            "yeu_cau_luc": _local(tx["requested_at"]),
        }
        if await asyncio.to_thread(hub.store.report_pending_payment, reference, values, payload):
            counts["reported"] += 1
            log.info(
                "payment_overdue", ma_ho_so=tx["ma_ho_so"], ma_tham_chieu=reference, state=state
            )
    counts["receipts"] = await fetch_receipts(hub)
    return counts


async def fetch_receipts(hub: Any) -> int:
    """GET_BILL for every paid attempt without a receipt; how many were stored. One that
    fails is logged and tried again next time."""
    import asyncio

    from hub.sdk import HubError

    stored = 0
    for tx in await asyncio.to_thread(hub.store.paid_without_receipt):
        try:
            await fetch_receipt(hub, tx["ma_tham_chieu"])
        except HubError as exc:
            log.warning(
                "payment_receipt_failed", ma_tham_chieu=tx["ma_tham_chieu"], reason=exc.reason
            )
            continue
        stored += 1
    return stored


def view(tx: dict[str, Any]) -> dict[str, Any]:
    """One ledger row for people and the API: times in province time, no PDF bytes."""
    return {
        "ma_tham_chieu": tx["ma_tham_chieu"],
        "ma_ho_so": tx["ma_ho_so"],
        "state": tx["state"],
        "so_tien": tx["so_tien"],
        "fees": tx["fees"],
        "payment_url": tx["payment_url"],
        "requested_at": _local(tx["requested_at"]),
        "paid_at": _local(tx["paid_at"]),
        "paid_amount": tx["paid_amount"],
        "ma_giao_dich": tx["ma_giao_dich"],
        "receipt_sha256": tx["receipt_sha256"],
        "reported_at": _local(tx["reported_at"]),
    }
