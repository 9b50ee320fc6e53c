"""``tthc-hub lienthong ...``: search, statistics, detail and result files of the mirror."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.sdk import add_help_vi

__all__ = ["app"]

app = typer.Typer(help="Hồ sơ liên thông (khai sinh, khai tử): tra cứu, thống kê, tải kết quả.")
# Vietnamese of the English help strings (hub.cli_help, docs/messages.md).
add_help_vi(
    {
        "settings file (TOML)": "tệp cấu hình (TOML)",
        "where to write the file": "nơi ghi tệp",
    }
)

_TEXT = {
    "title": ("Danh sách hồ sơ liên thông", "Interlinked dossiers"),
    "stats": ("Thống kê hồ sơ liên thông", "Interlinked dossier statistics"),
    "ma_ho_so": ("Mã hồ sơ", "Dossier code"),
    "ma_ho_so_lt": ("Mã hồ sơ liên thông", "Interlinked code"),
    "ma_tthc": ("Mã thủ tục", "Procedure"),
    "chu_ho_so": ("Chủ hồ sơ", "Owner"),
    "so_giay_to": ("CMND/CCCD", "ID number"),
    "ngay_tiep_nhan": ("Ngày tiếp nhận", "Received"),
    "trang_thai": ("Trạng thái", "Status"),
    "files": ("File kết quả", "Result files"),
    "so": ("Số hồ sơ", "Count"),
    "total": ("Tổng", "Total"),
    "not_found": ("Không tìm thấy hồ sơ", "No such dossier"),
}

ConfigOpt = Annotated[Path | None, typer.Option("--config", help="settings file (TOML)")]


def _t(key: str) -> str:
    vi, en = _TEXT[key]
    return en if os.environ.get("TTHC_HUB_LANG", "vi").lower().startswith("en") else vi


def _hub(config: Path | None) -> Any:
    from hub.sdk import Hub, HubSettings

    if config is not None:
        os.environ["TTHC_HUB_CONFIG"] = str(config)
    return Hub(HubSettings())


def _filters(**kw: Any) -> Any:
    from .search import Filters

    if kw.get("tu_ngay") and kw.get("den_ngay") and kw["tu_ngay"] > kw["den_ngay"]:
        raise typer.BadParameter("--from is after --to")

    return Filters(**kw)


FromOpt = Annotated[str | None, typer.Option("--from", help="từ ngày (YYYY-MM-DD)")]
ToOpt = Annotated[str | None, typer.Option("--to", help="đến ngày (YYYY-MM-DD)")]


def _day(value: str | None) -> date | None:
    """A --from/--to day: YYYY-MM-DD within 1900..2100, else a usage error (exit 2)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter("a day is YYYY-MM-DD") from None
    if not date(1900, 1, 1) <= day <= date(2100, 12, 31):
        raise typer.BadParameter("a day is within the years 1900 to 2100")
    return day


@app.command("search")
def search_cmd(
    from_: FromOpt = None,
    to: ToOpt = None,
    ma_ho_so: Annotated[str | None, typer.Option("--ma-ho-so")] = None,
    ma_lien_thong: Annotated[str | None, typer.Option("--ma-lien-thong")] = None,
    ten: Annotated[str | None, typer.Option("--ten", help="tên chủ hồ sơ, không dấu được")] = None,
    so_giay_to: Annotated[str | None, typer.Option("--so-giay-to")] = None,
    ma_tthc: Annotated[str | None, typer.Option("--ma-tthc")] = None,
    trang_thai: Annotated[int | None, typer.Option("--trang-thai", min=1, max=10)] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 200,
    config: ConfigOpt = None,
) -> None:
    """Tra cứu hồ sơ liên thông."""
    from rich.console import Console
    from rich.table import Table

    from hub.sdk import Status

    from .search import row_view, search

    hub = _hub(config)
    f = _filters(tu_ngay=_day(from_), den_ngay=_day(to), ma_ho_so=ma_ho_so,
                 ma_lien_thong=ma_lien_thong, ten=ten, so_giay_to=so_giay_to,
                 ma_tthc=ma_tthc, trang_thai=trang_thai)  # fmt: skip
    rows = [row_view(d) for d in search(hub, f, limit=limit)]
    hub.close_store()
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    en = _t("title") == _TEXT["title"][1]
    table = Table(title=_t("title"))
    for key in ("ma_ho_so", "ma_ho_so_lt", "ma_tthc", "chu_ho_so", "so_giay_to",
                "ngay_tiep_nhan", "trang_thai", "files"):  # fmt: skip
        table.add_column(_t(key))
    for r in rows:
        status = Status(r["trang_thai"])
        table.add_row(
            r["ma_ho_so"], r["ma_ho_so_lt"] or "", r["ma_tthc"], r["chu_ho_so"],
            r["so_giay_to"] or "", (r["ngay_tiep_nhan"] or "")[:16],
            status.label_en if en else status.label_vi,
            ", ".join(f"{x['n']}: {x['ten']}" for x in r["files"] if x["loai"] == "KQ"),
        )  # fmt: skip
    Console(width=200).print(table)


@app.command("thong-ke")
def thong_ke(
    from_: FromOpt = None,
    to: ToOpt = None,
    ma_tthc: Annotated[str | None, typer.Option("--ma-tthc")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    config: ConfigOpt = None,
) -> None:
    """Thống kê hồ sơ liên thông theo trạng thái và thủ tục."""
    from rich.console import Console
    from rich.table import Table

    from .search import stats

    hub = _hub(config)
    result = stats(hub, _filters(tu_ngay=_day(from_), den_ngay=_day(to), ma_tthc=ma_tthc))
    hub.close_store()
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    en = _t("title") == _TEXT["title"][1]
    table = Table(title=_t("stats"))
    table.add_column(_t("trang_thai"))
    table.add_column(_t("so"), justify="right")
    for s in result["theo_trang_thai"]:
        table.add_row(s["ten_en"] if en else s["ten_vi"], str(s["so"]))
    for p in result["theo_thu_tuc"]:
        table.add_row(f"{_t('ma_tthc')} {p['ma_tthc']}", str(p["so"]))
    table.add_row(_t("total"), str(result["tong"]))
    Console(width=200).print(table)


@app.command("show")
def show(ma_ho_so: str, config: ConfigOpt = None) -> None:
    """Chi tiết một hồ sơ liên thông (số giấy tờ đã che)."""
    from .search import row_view, search

    hub = _hub(config)
    found = list(search(hub, _filters(ma_ho_so=ma_ho_so), limit=1))
    hub.close_store()
    if not found:
        typer.echo(_t("not_found"), err=True)
        raise typer.Exit(1)
    view = row_view(found[0])
    view["ho_tich"] = (found[0].extra.get("lien_thong") or {}).get("module")
    typer.echo(json.dumps(view, ensure_ascii=False, indent=2))


@app.command("file")
def file_cmd(
    ma_ho_so: str,
    n: Annotated[int, typer.Argument(min=1, max=10_000)],
    out: Annotated[Path, typer.Option("--out", help="where to write the file")],
    config: ConfigOpt = None,
) -> None:
    """Tải file thứ N của hồ sơ (lấy lại từ hệ thống liên thông)."""
    hub = _hub(config)
    connector = hub.connectors.get("lienthong")
    if connector is None:
        typer.echo("connectors.lienthong is not configured", err=True)
        raise typer.Exit(2)
    try:
        import asyncio  # not at the top: tthc-hub --help stays fast

        content = asyncio.run(_download(hub, connector, ma_ho_so, n))
    finally:
        hub.close_store()
    if content is None:
        typer.echo(_t("not_found"), err=True)
        raise typer.Exit(1)
    out.write_bytes(content)
    typer.echo(f"{out} ({len(content)} bytes)")


async def _download(hub: Any, connector: Any, ma_ho_so: str, n: int) -> bytes | None:
    from .files import download

    try:
        return await download(connector, ma_ho_so, n)
    finally:
        await hub.aclose()
