"""Generate ``hub/data/catalog/tai_nguyen_moi_truong.json`` from the decision as data.

Input: ``monre_procedures.json`` (one record per process variant, one entry per table
row of the provincial decision on internal processes of the environment sector).
Output: the hub's catalog format (docs/catalog.md): one procedure per mã TTHC with
its processes (variants), each a list of numbered steps with their sub-steps and
extra rows. The document's figures are copied as printed: durations, stated totals,
notes. Nothing is corrected here; ``hub.catalog`` computes and shows the
differences.

Re-run after the source data changes::

    .venv/bin/python scripts/convert_monre_catalog.py PATH/TO/monre_procedures.json

The output is deterministic (stable order, fixed formatting), so a re-run with the
same input leaves the committed file unchanged.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "hub/data/catalog/tai_nguyen_moi_truong.json"
SOURCE = "seeds/004_31365dbdabc06995 (data/monre_procedures.json)"

_LEVELS = {"tỉnh": "tinh", "huyện": "huyen", "xã": "xa"}


def _row(r: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "noi_dung": r.get("content"),
        "trach_nhiem": r.get("responsible"),
        "so_ngay": r.get("duration_days"),
        "thoi_gian_text": r.get("duration_text"),
        "ket_qua": r.get("result"),
    }
    if r.get("duration_note"):
        out["ghi_chu"] = r["duration_note"]
    return out


def _steps(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group table rows into numbered steps: the first row, extra rows, sub-steps."""
    by_no: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_no[r["no"]].append(r)
    steps = []
    for no in sorted(by_no):
        group = by_no[no]
        top = [r for r in group if r["sub_no"] is None]
        subs = [r for r in group if r["sub_no"] is not None]
        first = top[0] if top else subs[0]
        step: dict[str, Any] = {"so": no, "nhan": first["label"] if top else f"{no:02d}"}
        step.update(_row(first) if top else {"noi_dung": None, "so_ngay": None})
        extra = top[1:]
        if extra:
            step["dong_them"] = [_row(r) for r in extra]
        if subs:
            step["buoc_con"] = [
                {"so": r["sub_no"], "nhan": r["label"], **_row(r)}
                for r in sorted(subs, key=lambda r: (r["sub_no"], r["row_part"]))
            ]
        steps.append(step)
    return steps


def _process(p: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "so": p["process_no"],
        "bien_the": p["variant"],
        "ten": p["variant_title"],
        "tong_ngay": p["total_days"],
        "tong_text": p["total_text"],
        "ghi_chu_tong": p["total_note"],
        "buoc": _steps(p["steps"]),
    }
    if p["variant_label_in_doc"] and p["variant_label_in_doc"] != p["variant"]:
        out["nhan_in"] = p["variant_label_in_doc"]
    if p["truncated"]:
        out["thieu_noi_dung"] = True
        out["ghi_chu"] = "the text of the decision ends inside this process; no stated total"
    return out


def convert(data: dict[str, Any]) -> dict[str, Any]:
    annex = {a["procedure_code"]: a for a in data["annex1_amended_procedures"]}
    by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in data["processes"]:
        by_code[p["procedure_code"]].append(p)
    procedures = []
    for code, processes in by_code.items():  # document order
        first = processes[0]
        a = annex.get(code)
        totals = {p["total_days"] for p in processes if p["total_days"] is not None}
        proc: dict[str, Any] = {
            "ma_tthc": code,
            "ten": a["procedure_name"] if a else first["procedure_name"],
            "linh_vuc": first["sector"],
            "cap": _LEVELS.get(first["level"], first["level"]),
            "thoi_han_ngay_lam_viec": (
                float(a["time_limit"].split()[0])
                if a
                else (totals.pop() if len(totals) == 1 else None)
            ),
            "thoi_han_text": a["time_limit"] if a else None,
            "co_quan_thuc_hien": a["place"] if a else None,
            "le_phi": a["fee"] if a else None,
            "kenh": (
                [
                    k
                    for k, on in (
                        ("truc_tiep", a["channels"]["direct"]),
                        ("truc_tuyen", a["channels"]["online"]),
                        ("buu_chinh", a["channels"]["public_postal"]),
                    )
                    if on
                ]
                if a
                else None
            ),
            "can_cu_phap_ly": a["legal_basis"] if a else [],
            "loai_quy_trinh": first["category"],
            "quy_trinh": [_process(p) for p in processes],
        }
        if a and a["procedure_name"] != first["procedure_name"]:
            proc["ten_quy_trinh"] = first["procedure_name"]
        if first.get("procedure_code_in_doc"):
            proc["ma_tthc_in"] = first["procedure_code_in_doc"]
        procedures.append(proc)
    doc = data["document"]
    return {
        "dinh_dang": 1,
        "nganh": "Tài nguyên và Môi trường",
        "van_ban": {
            "so": doc["number"],
            "ghi_chu_so": doc["number_note"],
            "co_quan": doc["issuer"],
            "trich_yeu": doc["title"],
            "nam": doc["year"],
            "nguoi_ky": doc["signer"],
        },
        "nguon": SOURCE,
        "ghi_chu": [
            "Phần II.B (cấp huyện) of the decision is not in the source text; only "
            "the provincial processes are here.",
            "Fees, channels and the stated time limit come from Phụ lục 01, which lists "
            "only two procedures; for the others they are null (not stated in this decision).",
        ],
        "thu_tuc": procedures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="monre_procedures.json")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = json.loads(args.source.read_text(encoding="utf-8"))
    text = json.dumps(convert(data), ensure_ascii=False, indent=1) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
