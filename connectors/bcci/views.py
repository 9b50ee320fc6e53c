"""What the CLI and the API show of shipments: rows with Vietnamese (or English) labels."""

from __future__ import annotations

from typing import Any

from .mapping import STATES

__all__ = ["DIRECTION_LABELS", "history_row", "shipment_row"]

DIRECTION_LABELS = {
    "pickup": ("Thu gom hồ sơ", "dossier pickup"),
    "delivery": ("Phát kết quả", "result delivery"),
}


def _label(code: str | None, lang: str) -> str | None:
    state = STATES.get(code or "")
    if state is None:
        return code
    return state.en if lang == "en" else state.vi


def shipment_row(row: dict[str, Any], lang: str = "vi") -> dict[str, Any]:
    vi, en = DIRECTION_LABELS.get(row["direction"], (row["direction"], row["direction"]))
    return {
        "ma_ho_so": row["ma_ho_so"],
        "direction": row["direction"],
        "direction_label": en if lang == "en" else vi,
        "item_code": row["item_code"],
        "status_code": row["status_code"],
        "status_label": _label(row["status_code"], lang),
        "post_office": row["post_office"],
        "event_time": row["event_time"].isoformat() if row["event_time"] else None,
        "attention": row["attention"],
        "events": row["events"],
    }


def history_row(update: dict[str, Any], lang: str = "vi") -> dict[str, Any]:
    payload = update["payload"] or {}
    vi, en = DIRECTION_LABELS.get(payload.get("direction", ""), ("", ""))
    return {
        "kind": update["kind"],
        "direction": payload.get("direction"),
        "direction_label": en if lang == "en" else vi,
        "item_code": payload.get("item_code"),
        "status_code": payload.get("status_code"),
        "status_label": _label(payload.get("status_code"), lang),
        "post_office": payload.get("post_office"),
        "event_time": payload.get("event_time"),
        "trang_thai": update["trang_thai"],
        "source": payload.get("source", "feed"),
    }
