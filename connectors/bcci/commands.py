"""``tthc-hub bcci ...``: VNPost shipments for officials and operators.

``track MA_HO_SO`` prints the dossier's shipments and their history as the hub heard
it (``--refresh`` reads VNPost's tracking feed first); ``orders`` lists shipments
(``--attention``: deliveries that failed for good, for an operator to act on);
``poll`` reads the tracking feed once. Labels in Vietnamese, English with
``tthc-hub --lang en``.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.sdk import add_help_vi

__all__ = ["app"]

app = typer.Typer(help="Public postal service (VNPost): shipment history, orders.")
# Vietnamese of the English help strings (hub.cli_help, docs/messages.md).
add_help_vi(
    {
        "Public postal service (VNPost): shipment history, orders.": (
            "Bưu chính công ích (VNPost): hành trình bưu gửi, đơn hàng."
        ),
        "settings file (TOML)": "tệp cấu hình (TOML)",
        "the dossier's code (mã hồ sơ)": "mã hồ sơ",
        "read VNPost's tracking feed first": "đọc hành trình bưu gửi mới nhất từ VNPost trước",
        "only those an operator must act on": "chỉ những bưu gửi cán bộ cần xử lý",
        "The shipments of one dossier and their history (hành trình bưu gửi).": (
            "Các bưu gửi của một hồ sơ và hành trình bưu gửi."
        ),
        "Shipments at their last tracked state, most recent first.": (
            "Bưu gửi ở trạng thái theo dõi gần nhất, mới nhất trước."
        ),
        "Read VNPost's tracking feed once, from the last event seen.": (
            "Đọc hành trình bưu gửi từ VNPost một lần, tiếp từ sự kiện đã đọc gần nhất."
        ),
    }
)

_TEXT = {
    "not_configured": ("Chưa cấu hình connectors.bcci", "connectors.bcci is not configured"),
    "history": ("Hành trình bưu gửi hồ sơ {}", "Shipment history of dossier {}"),
    "orders": ("Bưu gửi", "Shipments"),
    "none": ("Không có bưu gửi nào cho hồ sơ {}", "No shipment for dossier {}"),
    "polled": ("Đã đọc {} sự kiện hành trình", "{} tracking events read"),
    "time": ("Thời gian", "Time"),
    "direction": ("Chiều", "Direction"),
    "status": ("Trạng thái", "Status"),
    "office": ("Bưu cục", "Post office"),
    "item": ("Số hiệu", "Item code"),
    "attention": ("Cần xử lý", "Needs action"),
}
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="settings file (TOML)")]


def _lang() -> str:
    return "en" if os.environ.get("TTHC_HUB_LANG", "vi").lower().startswith("en") else "vi"


def _t(key: str) -> str:
    vi, en = _TEXT[key]
    return en if _lang() == "en" else vi


def _hub(config: Path | None) -> Any:
    from hub.sdk import Hub, HubSettings

    if config is not None:
        os.environ["TTHC_HUB_CONFIG"] = str(config)
    hub = Hub(HubSettings())
    if "bcci" not in hub.connectors:
        asyncio.run(hub.aclose())
        typer.echo(_t("not_configured"), err=True)
        raise typer.Exit(2)
    return hub


async def _then_close(hub: Any, work: Any) -> Any:
    """Run ``work`` and close the hub in the same event loop (its HTTP pools live there)."""
    try:
        return await work if work is not None else None
    finally:
        await hub.aclose()


def history_table(hub: Any, ma_ho_so: str) -> Any:
    """The Rich table of one dossier's shipment history (None when it has none)."""
    from rich.table import Table

    from .views import history_row  # not at import: `tthc-hub --help` loads every command

    rows = [history_row(u, _lang()) for u in hub.shipment_history("bcci", ma_ho_so)]
    if not rows:
        return None
    table = Table(title=_t("history").format(ma_ho_so))
    for key in ("time", "direction", "status", "office", "item"):
        table.add_column(_t(key))
    for row in rows:
        table.add_row(
            (row["event_time"] or "")[:19].replace("T", " "),
            row["direction_label"],
            row["status_label"] or "",
            row["post_office"] or "",
            row["item_code"] or "",
        )
    return table


@app.command()
def track(
    ma_ho_so: Annotated[str, typer.Argument(help="the dossier's code (mã hồ sơ)")],
    refresh: Annotated[bool, typer.Option(help="read VNPost's tracking feed first")] = False,
    config: ConfigOpt = None,
) -> None:
    """The shipments of one dossier and their history (hành trình bưu gửi)."""
    from rich.console import Console

    hub = _hub(config)
    asyncio.run(_then_close(hub, hub.feed_once("bcci") if refresh else None))
    table = history_table(hub, ma_ho_so)
    if table is None:
        typer.echo(_t("none").format(ma_ho_so))
        raise typer.Exit(1)
    Console().print(table)


@app.command()
def orders(
    attention: Annotated[bool, typer.Option(help="only those an operator must act on")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    config: ConfigOpt = None,
) -> None:
    """Shipments at their last tracked state, most recent first."""
    from rich.console import Console
    from rich.table import Table

    from .views import shipment_row

    hub = _hub(config)
    try:
        rows = hub.shipments("bcci", attention_only=attention, limit=limit)
        table = Table(title=_t("orders"))
        for key in ("time", "direction", "status", "office", "item", "attention"):
            table.add_column(_t(key))
        table.add_column("mã hồ sơ")
        for row in (shipment_row(r, _lang()) for r in rows):
            table.add_row(
                (row["event_time"] or "")[:19].replace("T", " "),
                row["direction_label"],
                row["status_label"] or "",
                row["post_office"] or "",
                row["item_code"] or "",
                row["attention"] or "",
                row["ma_ho_so"],
            )
        Console().print(table)
    finally:
        asyncio.run(_then_close(hub, None))


@app.command()
def poll(config: ConfigOpt = None) -> None:
    """Read VNPost's tracking feed once, from the last event seen."""
    hub = _hub(config)
    typer.echo(_t("polled").format(asyncio.run(_then_close(hub, hub.feed_once("bcci")))))
