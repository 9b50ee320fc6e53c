"""``tthc-hub payment ...``: a dossier's payments, one attempt queried at PayGov, the
pending sweep and the daily reconciliation."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.sdk import add_help_vi

__all__ = ["app"]

app = typer.Typer(help="Fees paid online (PayGov): look-ups, reconciliation.")
# Vietnamese of the English help strings (hub.cli_help, docs/messages.md).
add_help_vi(
    {
        "Fees paid online (PayGov): look-ups, reconciliation.": (
            "Thanh toán phí, lệ phí trực tuyến (PayGov): tra cứu, đối soát."
        ),
        "A dossier's payment attempts: state, amount, receipt.": (
            "Các lần thanh toán của một hồ sơ: trạng thái, số tiền, biên lai."
        ),
        "Look one transaction up at PayGov (QUERY).": "Tra cứu một giao dịch tại PayGov (QUERY).",
        "Record new requests; query and report the transactions pending too long; "
        "fetch receipts.": (
            "Ghi nhận yêu cầu mới; tra cứu và báo các giao dịch chờ quá lâu; lấy biên lai."
        ),
        "Reconcile one day's PayGov transactions with the hub's payment ledger.": (
            "Đối soát giao dịch PayGov của một ngày với sổ thanh toán của hub."
        ),
        "YYYY-MM-DD (default: yesterday)": "YYYY-MM-DD (mặc định: hôm qua)",
        "a transaction file already downloaded (.csv, .json)": (
            "tệp giao dịch đã tải (.csv, .json)"
        ),
        "csv | json (downloaded from PayGov)": "csv | json (tải từ PayGov)",
        "settings file (TOML)": "tệp cấu hình (TOML)",
    }
)

_TEXT = {
    "title": ("Thanh toán của hồ sơ {ma}", "Payments of dossier {ma}"),
    "ma_tham_chieu": ("Mã tham chiếu", "Reference"),
    "state": ("Trạng thái", "State"),
    "so_tien": ("Số tiền (VND)", "Amount (VND)"),
    "requested_at": ("Yêu cầu lúc", "Requested"),
    "paid_at": ("Thanh toán lúc", "Paid"),
    "receipt": ("Biên lai (sha256)", "Receipt (sha256)"),
    "none": ("Hồ sơ chưa có yêu cầu thanh toán", "The dossier has no payment request"),
    "unknown": ("PayGov không có giao dịch này", "PayGov does not know this transaction"),
    "not_configured": ("Chưa cấu hình [connectors.payment]", "[connectors.payment] is not set"),
}
_STATES = {
    "pending": ("Chờ thanh toán", "Pending"),
    "paid": ("Đã thanh toán", "Paid"),
    "cancelled": ("Đã hủy", "Cancelled"),
    "failed": ("Không thành công", "Failed"),
    "unknown": ("Không rõ", "Unknown"),
}

ConfigOpt = Annotated[Path | None, typer.Option("--config", help="settings file (TOML)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON output")]


def _en() -> bool:
    return os.environ.get("TTHC_HUB_LANG", "vi").lower().startswith("en")


def _t(key: str, **kw: Any) -> str:
    vi, en = _TEXT[key]
    return (en if _en() else vi).format(**kw)


def _state(value: str) -> str:
    vi, en = _STATES.get(value, (value, value))
    return en if _en() else vi


def _hub(config: Path | None) -> Any:
    from hub.sdk import Hub, HubSettings

    if config is not None:
        os.environ["TTHC_HUB_CONFIG"] = str(config)
    hub = Hub(HubSettings())
    if "payment" not in hub.connectors:
        raise typer.BadParameter(_t("not_configured"))
    return hub


@app.command("status")
def status_cmd(ma_ho_so: str, as_json: JsonOpt = False, config: ConfigOpt = None) -> None:
    """A dossier's payment attempts: state, amount, receipt."""
    from rich.console import Console
    from rich.table import Table

    from . import ledger

    hub = _hub(config)
    ledger.sync(hub)
    rows = [ledger.view(r) for r in hub.store.payments_of(ma_ho_so)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo(_t("none"))
        raise typer.Exit(1)
    table = Table(title=_t("title", ma=ma_ho_so))
    for key in ("ma_tham_chieu", "state", "so_tien", "requested_at", "paid_at", "receipt"):
        # The reference is copied into `payment query`: never wrapped.
        table.add_column(_t(key), no_wrap=key == "ma_tham_chieu")
    for r in rows:
        table.add_row(r["ma_tham_chieu"], _state(r["state"]), f"{r['so_tien']:,}",
                      r["requested_at"] or "", r["paid_at"] or "",
                      (r["receipt_sha256"] or "")[:16])  # fmt: skip
    Console().print(table)


@app.command("query")
def query_cmd(ma_tham_chieu: str, as_json: JsonOpt = False, config: ConfigOpt = None) -> None:
    """Look one transaction up at PayGov (QUERY)."""
    hub = _hub(config)

    async def ask() -> Any:
        try:
            return await hub.connectors["payment"].query(ma_tham_chieu)
        finally:
            await hub.aclose()

    found = asyncio.run(ask())
    if found is None:
        typer.echo(_t("unknown"))
        raise typer.Exit(1)
    data = {
        "ma_tham_chieu": found.ma_tham_chieu,
        "ma_ho_so": found.ma_ho_so,
        "state": found.state,
        "so_tien": found.so_tien,
        "ma_giao_dich": found.ma_giao_dich,
        "thoi_gian_thanh_toan": found.thoi_gian_thanh_toan.isoformat()
        if found.thoi_gian_thanh_toan
        else None,
    }
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key, value in data.items():
        shown = _state(value) if key == "state" else value
        typer.echo(f"{key}: {shown if shown is not None else ''}")


@app.command("sweep")
def sweep_cmd(config: ConfigOpt = None) -> None:
    """Record new requests; query and report the transactions pending too long; fetch receipts."""
    from . import ledger

    hub = _hub(config)

    async def run() -> dict[str, int]:
        try:
            return await ledger.sweep(hub)
        finally:
            await hub.aclose()

    typer.echo(json.dumps(asyncio.run(run())))


@app.command("reconcile")
def reconcile_cmd(
    day: Annotated[
        str | None, typer.Option("--day", help="YYYY-MM-DD (default: yesterday)")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="a transaction file already downloaded (.csv, .json)"),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="csv | json (downloaded from PayGov)")
    ] = "csv",
    config: ConfigOpt = None,
) -> None:
    """Reconcile one day's PayGov transactions with the hub's payment ledger."""
    from hub.sdk import ContractError

    from . import mapping, reconcile

    hub = _hub(config)
    when = (
        date.fromisoformat(day) if day else datetime.now(mapping.VN_TZ).date() - timedelta(days=1)
    )

    async def content() -> tuple[bytes, str]:
        if file is not None:
            return file.read_bytes(), file.suffix.lstrip(".").lower()
        try:
            return await hub.connectors["payment"].transaction_file(when, fmt), fmt
        finally:
            await hub.aclose()

    data, kind = asyncio.run(content())
    try:
        rows = reconcile.parse_file(data, kind)
    except ContractError as exc:
        raise typer.BadParameter(exc.reason) from None
    outcome = reconcile.run(hub, when, rows, actor="cli")
    typer.echo(json.dumps(outcome, ensure_ascii=False))
