"""The daily payment reconciliation: PayGov's transaction file against the hub's ledger.

No reconciliation file was observed at PayGov, so this one is designed: for a day
(Vietnam time), every paid transaction, as CSV (a header line, UTF-8) or JSON
(``{"Ngay", "GiaoDich": [...]}``) with the fields ``MaThamChieu, MaGiaoDich, SoTien,
ThoiGianGD, MaHoSo``; served at ``GET /doi-soat/<YYYY-MM-DD>.csv|.json`` with the bearer
token, or read from a file an official downloaded.

The comparison is stored as a reconciliation run of the ``payment`` connector, so it
shows in ``tthc-hub reconcile list|show`` and the reports, with four kinds:

=====================  ==============================================================
kind                   meaning (suggested action)
=====================  ==============================================================
paid_not_recorded      PayGov was paid; the hub has no such attempt, or not as paid
                       (query it and record the payment)
recorded_not_paid      the hub holds the attempt as paid that day; the file lacks it
                       (query PayGov)
amount_mismatch        both hold it, the amounts differ (check with PayGov)
paid_twice             a dossier already paid is paid again (refund the second)
=====================  ==============================================================
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.sdk import ContractError

from . import mapping
from . import messages as M

__all__ = ["ACTIONS", "FIELDS", "FileRow", "compare", "parse_file", "run"]

FIELDS = ("MaThamChieu", "MaGiaoDich", "SoTien", "ThoiGianGD", "MaHoSo")
#: Suggested action per kind (the same as hub.reconcile's; labels in hub.i18n).
ACTIONS = {
    "paid_not_recorded": "record_payment",
    "recorded_not_paid": "query_payment",
    "amount_mismatch": "check_amount",
    "paid_twice": "refund",
}


@dataclass(frozen=True, slots=True)
class FileRow:
    ma_tham_chieu: str
    ma_giao_dich: str
    so_tien: int
    thoi_gian_gd: datetime
    ma_ho_so: str


def parse_file(content: bytes | str, fmt: str) -> list[FileRow]:
    """The rows of a transaction file; :class:`ContractError` names the row and field."""
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    if fmt == "json":
        try:
            items = json.loads(text).get("GiaoDich")
        except (ValueError, AttributeError):
            raise M.refused(M.FILE_NO_LIST()) from None
    elif fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = [f for f in FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise M.refused(M.FILE_COLUMNS(columns=", ".join(missing)))
        items = list(reader)
    else:
        raise M.refused(M.FILE_FORMAT(fmt=fmt))
    if not isinstance(items, list):
        raise M.refused(M.FILE_NOT_LIST())
    return [_row(n, item) for n, item in enumerate(items, start=1)]


def _row(n: int, item: Any) -> FileRow:
    if not isinstance(item, dict):
        raise M.refused(M.ROW_NOT_RECORD(row=n))
    empty = [f for f in FIELDS if item.get(f) in (None, "")]
    if empty:
        raise M.refused(M.ROW_LACKS(row=n, fields=", ".join(empty)))
    try:
        amount = int(item["SoTien"])
    except (TypeError, ValueError):
        raise M.refused(M.ROW_AMOUNT(row=n)) from None
    try:
        when = mapping.parse_stamp(item["ThoiGianGD"], "ThoiGianGD")
    except ContractError:
        raise M.refused(M.ROW_TIME(row=n)) from None
    assert when is not None
    return FileRow(
        str(item["MaThamChieu"]), str(item["MaGiaoDich"]), amount, when, str(item["MaHoSo"])
    )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _paid_on(tx: dict[str, Any]) -> date | None:
    """The day (Vietnam time) the hub recorded the attempt as paid; None if not paid."""
    paid_at = _aware(tx["paid_at"])
    if tx["state"] != "paid" or paid_at is None:
        return None
    return paid_at.astimezone(mapping.VN_TZ).date()


def _finding(kind: str, ma_ho_so: str, tx: dict[str, Any] | None, row: FileRow | None,
             note: str = "") -> dict[str, Any]:  # fmt: skip
    mine = f"{tx['ma_tham_chieu']} {tx.get('paid_amount') or tx['so_tien']} VND" if tx else None
    theirs = f"{row.ma_tham_chieu} {row.ma_giao_dich} {row.so_tien} VND" if row else None
    return {
        "kind": kind,
        "ma_ho_so": ma_ho_so,
        "ma_tthc": None,
        "province_status": None,
        "remote_status": None,
        "province_result": mine,
        "remote_result": f"{theirs}{note}"[:200] if theirs else None,
        "province_updated_at": _aware(tx["paid_at"]) if tx else None,
        "remote_updated_at": row.thoi_gian_gd.astimezone(UTC) if row else None,
        "action": ACTIONS[kind],
        "repair": None,
        "repair_detail": None,
    }


def compare(
    day: date, ledger: dict[str, dict[str, Any]], rows: list[FileRow]
) -> tuple[list[dict[str, Any]], int]:
    """(findings, matched): ``ledger`` holds the hub's attempts by MaThamChieu (those of
    the file and those paid on ``day``)."""
    findings: list[dict[str, Any]] = []
    matched = 0
    paid_refs: dict[str, set[str]] = defaultdict(set)  # mã hồ sơ -> refs paid (either side)
    for held in ledger.values():
        if held["state"] == "paid":
            paid_refs[held["ma_ho_so"]].add(held["ma_tham_chieu"])
    seen: set[str] = set()
    for row in sorted(rows, key=lambda r: r.thoi_gian_gd):
        tx = ledger.get(row.ma_tham_chieu)
        others = paid_refs[row.ma_ho_so] - {row.ma_tham_chieu}
        if row.ma_tham_chieu in seen or (others and (tx is None or tx["state"] != "paid")):
            note = " - hoàn trả khoản thu thừa / refund"
            findings.append(_finding("paid_twice", row.ma_ho_so, tx, row, note))
        elif tx is None or tx["state"] != "paid":
            findings.append(_finding("paid_not_recorded", row.ma_ho_so, tx, row))
        elif int(tx.get("paid_amount") or tx["so_tien"]) != row.so_tien:
            findings.append(_finding("amount_mismatch", row.ma_ho_so, tx, row))
        else:
            matched += 1
        seen.add(row.ma_tham_chieu)
        paid_refs[row.ma_ho_so].add(row.ma_tham_chieu)
    in_file = {r.ma_tham_chieu for r in rows}
    for held in ledger.values():
        if held["ma_tham_chieu"] not in in_file and _paid_on(held) == day:
            findings.append(_finding("recorded_not_paid", held["ma_ho_so"], held, None))
    return findings, matched


def run(hub: Any, day: date, rows: list[FileRow], *, actor: str) -> dict[str, Any]:
    """Compare and store the run (``reconcile_runs`` of connector ``payment``)."""
    store = hub.store
    start = datetime(day.year, day.month, day.day, tzinfo=mapping.VN_TZ).astimezone(UTC)
    ledger = {
        tx["ma_tham_chieu"]: tx
        for tx in store.payments_requested_between(
            start - timedelta(days=60), start + timedelta(days=1)
        )
    }
    for row in rows:  # an attempt older than the window, named by the file
        if row.ma_tham_chieu not in ledger:
            found = store.get_payment(row.ma_tham_chieu)
            if found is not None:
                ledger[found["ma_tham_chieu"]] = found
    findings, matched = compare(day, ledger, rows)
    run_id = store.start_reconcile_run(mapping.SYSTEM, day.isoformat(), day.isoformat(), actor)
    for finding in findings:
        finding["run_id"] = run_id
    if findings:
        store.add_findings(findings)
    counts: dict[str, int] = dict.fromkeys(ACTIONS, 0)
    for finding in findings:
        counts[finding["kind"]] += 1
    paid_that_day = [tx for tx in ledger.values() if _paid_on(tx) == day]
    totals = {"province_count": len(paid_that_day), "remote_count": len(rows),
              "matched": matched, "in_flight": 0, "counts": counts}  # fmt: skip
    store.finish_reconcile_run(run_id, totals)
    return {"run": run_id, **totals}
