"""Reconciliation reports: JSON, CSV, XLSX (Vietnamese headers) and a self-contained HTML page.

Vietnamese by default, English with ``language="en"``. Findings are read from the
store page by page; JSON and HTML hold the rendered text in memory (their size is that
of the differences, not of the dossiers); CSV and XLSX stream rows
(openpyxl's write-only mode).
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from hub.i18n import t
from hub.reconcile import Reconciler, run_kinds, status_label, used_kinds

__all__ = ["COLUMNS", "FORMATS", "MEDIA_TYPES", "chart", "render"]

FORMATS = ("json", "csv", "xlsx", "html")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
#: Finding columns, in order (label keys ``reconcile.<column>``).
COLUMNS = (
    "connector",
    "ma_ho_so",
    "ma_tthc",
    "kind",
    "province_status",
    "remote_status",
    "province_result",
    "remote_result",
    "province_updated_at",
    "remote_updated_at",
    "action",
    "repair",
)
_KIND_COLOURS = {
    "only_province": "#d9534f",
    "only_ministry": "#f0ad4e",
    "status_mismatch": "#5bc0de",
    "result_mismatch": "#9b59b6",
    "stale": "#7f8c8d",
    "paid_not_recorded": "#e67e22",
    "recorded_not_paid": "#c0392b",
    "amount_mismatch": "#16a085",
    "paid_twice": "#8e44ad",
}


def render(rec: Reconciler, runs: list[dict[str, Any]], fmt: str, *, language: str = "vi") -> bytes:
    """The report of these runs in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return _json(rec, runs)
    if fmt == "csv":
        return _csv(rec, runs, language)
    if fmt == "xlsx":
        return _xlsx(rec, runs, language)
    if fmt == "html":
        return _html(rec, runs, language)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def _rows(rec: Reconciler, runs: list[dict[str, Any]], language: str) -> Iterator[list[str]]:
    for run in runs:
        for f in rec.findings(run["id"]):
            yield [
                run["connector"],
                f["ma_ho_so"],
                f["ma_tthc"] or "",
                t(f"reconcile.kind.{f['kind']}", language),
                status_label(f["province_status"], language),
                status_label(f["remote_status"], language),
                f["province_result"] or "",
                f["remote_result"] or "",
                _when(f["province_updated_at"]),
                _when(f["remote_updated_at"]),
                t(f"reconcile.action.{f['action']}", language),
                f["repair"] or "",
            ]


def _headers(language: str) -> list[str]:
    return [t(f"reconcile.{c}", language) for c in COLUMNS]


def _when(value: Any) -> str:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else ""


def _summary(run: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "connector", "period_start", "period_end", "state", "actor")
    counts = ("province_count", "remote_count", "matched", "in_flight", "repaired")
    return {
        **{k: run[k] for k in keys},
        **{k: run[k] for k in counts},
        "counts": {k: int((run["counts"] or {}).get(k, 0)) for k in run_kinds(run)},
        "started_at": _when(run["started_at"]),
        "finished_at": _when(run["finished_at"]),
        "error": run["error"],
    }


def _json(rec: Reconciler, runs: list[dict[str, Any]]) -> bytes:
    out = []
    for run in runs:
        findings = [
            {
                "ma_ho_so": f["ma_ho_so"],
                "ma_tthc": f["ma_tthc"],
                "kind": f["kind"],
                "province_status": f["province_status"],
                "province_status_vi": status_label(f["province_status"]),
                "remote_status": f["remote_status"],
                "remote_status_vi": status_label(f["remote_status"]),
                "province_result": f["province_result"],
                "remote_result": f["remote_result"],
                "province_updated_at": _when(f["province_updated_at"]),
                "remote_updated_at": _when(f["remote_updated_at"]),
                "action": f["action"],
                "repair": f["repair"],
                "repair_detail": f["repair_detail"],
            }
            for f in rec.findings(run["id"])
        ]
        out.append({**_summary(run), "findings": findings})
    return json.dumps({"runs": out}, ensure_ascii=False, indent=1).encode()


def _csv(rec: Reconciler, runs: list[dict[str, Any]], language: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(_headers(language))
    writer.writerows(_rows(rec, runs, language))
    # A BOM, so that Excel opens Vietnamese text as UTF-8.
    return buf.getvalue().encode("utf-8-sig")


def _xlsx(rec: Reconciler, runs: list[dict[str, Any]], language: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet: Any, labels: list[str]) -> None:
        cells = []
        for label in labels:
            cell = WriteOnlyCell(sheet, value=label)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    kinds = used_kinds(runs)
    summary = book.create_sheet(t("reconcile.summary", language))
    header(
        summary,
        [t(f"reconcile.{k}", language) for k in ("run", "connector", "period")]
        + [t(f"reconcile.kind.{k}", language) for k in kinds]
        + [t(f"reconcile.{k}", language) for k in ("province_count", "remote_count", "repaired")],
    )
    for run in runs:
        s = _summary(run)
        summary.append(
            [s["id"], s["connector"], f"{s['period_start']} – {s['period_end']}"]
            + [s["counts"].get(k, 0) for k in kinds]
            + [s["province_count"], s["remote_count"], s["repaired"]]
        )
    sheet = book.create_sheet(t("reconcile.findings", language))
    header(sheet, _headers(language))
    for row in _rows(rec, runs, language):
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right}
.legend span{display:inline-block;margin-right:1rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem}
"""


def _html(rec: Reconciler, runs: list[dict[str, Any]], language: str) -> bytes:
    e = html.escape
    parts = [
        "<!doctype html>",
        f'<html lang="{language}"><head><meta charset="utf-8">',
        f"<title>{e(t('reconcile.title', language))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(t('reconcile.title', language))}</h1>",
        '<p class="legend">'
        + "".join(
            f'<span><i style="background:{_KIND_COLOURS[k]}"></i>'
            f"{e(t(f'reconcile.kind.{k}', language))}</span>"
            for k in used_kinds(runs)
        )
        + "</p>",
        _chart(runs, language),
    ]
    for run in runs:
        s = _summary(run)
        parts.append(
            f"<h2>{e(t('reconcile.run', language))} {s['id']} · {e(s['connector'])} · "
            f"{e(s['period_start'])} – {e(s['period_end'])}</h2>"
        )
        facts = [
            (t(f"reconcile.{k}", language), s[k])
            for k in ("province_count", "remote_count", "matched", "in_flight", "repaired")
        ] + [(t(f"reconcile.kind.{k}", language), n) for k, n in s["counts"].items()]
        parts.append(
            "<table>"
            + "".join(f'<tr><th>{e(k)}</th><td class="n">{v}</td></tr>' for k, v in facts)
            + "</table>"
        )
        rows = list(_rows(rec, [run], language))
        if not rows:
            parts.append(f"<p>{e(t('reconcile.none', language))}</p>")
            continue
        parts.append(
            "<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in _headers(language)[1:]) + "</tr>"
        )
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row[1:]) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts).encode()


def chart(runs: list[dict[str, Any]], language: str = "vi") -> str:
    """The report's chart alone (inline SVG), for a page of the console."""
    return _chart(runs, language)


def _chart(runs: list[dict[str, Any]], language: str) -> str:
    """An inline SVG: one group of bars per connector, one bar per kind of difference."""
    bar, gap, label_w, height = 14, 4, 170, 0
    totals: dict[str, dict[str, int]] = {}
    for run in runs:
        mine = totals.setdefault(run["connector"], dict.fromkeys(run_kinds(run), 0))
        for k in run_kinds(run):
            mine[k] = mine.get(k, 0) + int((run["counts"] or {}).get(k, 0))
    top = max([1] + [v for c in totals.values() for v in c.values()])
    width = 420
    body = []
    y = 0
    for connector, counts in totals.items():
        body.append(
            f'<text x="0" y="{y + 12}" font-weight="bold" font-size="13">'
            f"{html.escape(connector)}</text>"
        )
        y += 18
        for k in counts:
            w = round(width * counts[k] / top)
            label = html.escape(t(f"reconcile.kind.{k}", language))
            body.append(
                f'<text x="8" y="{y + 11}" font-size="11">{label}</text>'
                f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar}" '
                f'fill="{_KIND_COLOURS[k]}"><title>{label}: {counts[k]}</title></rect>'
                f'<text x="{label_w + w + 4}" y="{y + 11}" font-size="11">{counts[k]}</text>'
            )
            y += bar + gap
        y += 8
    height = y
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + width + 60}" '
        f'height="{height}" viewBox="0 0 {label_w + width + 60} {height}">'
        + "".join(body)
        + "</svg>"
    )
