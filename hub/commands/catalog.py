"""``tthc-hub catalog``: the procedures, their internal steps, and a deadline check.

For an official who wants to see a procedure's steps or check a ngày hẹn trả.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from hub.catalog import Catalog, Procedure

app = typer.Typer(help="Procedure catalog.", no_args_is_help=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML settings file (for catalog_files)"),
]


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


def _catalog(config: Path | None) -> Catalog:
    """The shipped catalog plus the settings' ``catalog_files``; no database needed."""
    from hub.catalog import load_catalog
    from hub.errors import ConfigError
    from hub.settings import HubSettings

    if config is not None:
        os.environ["TTHC_HUB_CONFIG"] = str(config)
    try:
        return load_catalog(HubSettings().catalog_files)
    except (ConfigError, ValueError) as exc:
        from hub.i18n import t

        raise _fail(f"{t('cli.config_error')}: {getattr(exc, 'reason', exc)}") from None


def _procedure(catalog: Catalog, code: str) -> Procedure:
    from hub.i18n import t

    procedure = catalog.get(code)
    if procedure is None:
        raise _fail(f"{t('catalog.unknown')}: {code}")
    return procedure


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@app.command("list")
def catalog_list(
    config: ConfigOpt = None,
    sector: Annotated[str | None, typer.Option(help="ngành or lĩnh vực, e.g. 'Đất đai'")] = None,
    search: Annotated[
        str | None, typer.Option(help="text in the code or name; accents optional")
    ] = None,
    level: Annotated[str | None, typer.Option(help="tinh, huyen or xa")] = None,
) -> None:
    """The procedures of the catalog."""
    from rich.console import Console
    from rich.table import Table

    from hub.i18n import t

    catalog = _catalog(config)
    rows = catalog.search(sector=sector, text=search, level=level)
    table = Table(title=f"{t('catalog.title')} ({len(rows)})")
    for key in ("catalog.ma_tthc", "catalog.name", "catalog.field", "catalog.level",
                "catalog.days", "catalog.variants"):  # fmt: skip
        table.add_column(t(key), overflow="fold")
    for p in rows:
        table.add_row(
            p.ma_tthc,
            p.ten,
            p.linh_vuc,
            p.cap.value if p.cap else "",
            _days(p.thoi_han_ngay_lam_viec),
            ", ".join(v for v in p.variants if v) or str(len(p.quy_trinh)),
        )
    Console().print(table)


@app.command("show")
def catalog_show(code: str, config: ConfigOpt = None) -> None:
    """A procedure with the steps of each process, their total and any mismatch."""
    from rich.console import Console
    from rich.table import Table

    from hub.i18n import t

    procedure = _procedure(_catalog(config), code)
    console = Console()
    console.print(f"[bold]{procedure.ma_tthc}[/bold] {procedure.ten}")
    for key, value in (
        ("catalog.sector", f"{procedure.nganh} / {procedure.linh_vuc}"),
        ("catalog.level", procedure.cap.value if procedure.cap else None),
        ("catalog.days", _days(procedure.thoi_han_ngay_lam_viec) or procedure.thoi_han_text),
        ("catalog.fees", procedure.le_phi),
        ("catalog.channels", ", ".join(t(f"channel.{c.value}") for c in procedure.kenh or [])),
        ("catalog.source", procedure.nguon),
    ):
        console.print(f"{t(key)}: {value if value else t('catalog.not_stated')}")
    from hub.catalog_laws import outdated_basis
    from hub.i18n import lang

    for law in outdated_basis(procedure):
        name = law["luat_en"] if lang() == "en" else law["luat"]
        text = t("catalog.outdated_basis").format(law=name, since=law["hieu_luc"])
        console.print(f"[yellow]{text}[/yellow]")
    for process in procedure.quy_trinh:
        title = t("catalog.process")
        if process.bien_the:
            title += f" {process.bien_the}: {process.ten or ''}"
        table = Table(title=title, show_footer=True)
        table.add_column(t("catalog.step"), footer=t("catalog.total"), no_wrap=True)
        table.add_column(t("catalog.content"), overflow="fold")
        table.add_column(t("catalog.responsible"), overflow="fold")
        table.add_column(
            t("catalog.duration"),
            justify="right",
            footer=f"{_days(process.step_days)} / {_days(process.tong_ngay) or '?'}",
        )
        for step in process.buoc:
            rows = [(step.nhan, step)] + [("", r) for r in step.dong_them]
            for label, row in rows:
                table.add_row(
                    label,
                    (row.noi_dung or "")[:160],
                    row.trach_nhiem or "",
                    _days(row.so_ngay) or (row.thoi_gian_text or ""),
                )
            for sub in step.buoc_con:
                table.add_row(
                    f"  {sub.nhan}",
                    (sub.noi_dung or "")[:160],
                    sub.trach_nhiem or "",
                    _days(sub.so_ngay) or (sub.thoi_gian_text or ""),
                )
        console.print(table)
        if process.ghi_chu_tong:
            console.print(f"  {process.ghi_chu_tong}")
        if process.thieu_noi_dung:
            console.print(f"  [yellow]{t('catalog.truncated')}[/yellow]")
        for m in procedure.step_total_mismatch:
            if m.variant == process.bien_the:
                console.print(f"  [red]{t('catalog.mismatch')}[/red]: {m.describe()}")


def plan_json(plan: Any) -> dict[str, Any]:
    """A DeadlinePlan as JSON (shared with the API)."""

    def step(s: Any) -> dict[str, Any]:
        return {
            "buoc": s.label,
            "noi_dung": s.name,
            "trach_nhiem": s.responsible,
            "so_ngay": s.days,
            "luy_ke_ngay": s.cumulative_days,
            "han": s.deadline.isoformat(),
            "dung_tinh_thoi_gian": s.stops_clock,
            "buoc_con": [step(x) for x in s.sub_steps],
        }

    return {
        "ma_tthc": plan.ma_tthc,
        "bien_the": plan.variant,
        "tiep_nhan": plan.received_at.isoformat(),
        "bat_dau_tinh": plan.starts_at.isoformat(),
        "so_ngay_lam_viec": plan.total_days,
        "ngay_hen_tra": plan.ngay_hen_tra.isoformat(),
        "buoc": [step(s) for s in plan.steps],
        "chenh_lech": plan.mismatches,
    }


@app.command("deadline")
def catalog_deadline(
    code: str,
    received: Annotated[str, typer.Option(help="'YYYY-MM-DD HH:MM', local time (UTC+7)")],
    variant: Annotated[str | None, typer.Option(help="the process variant, e.g. 16.1.2")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    config: ConfigOpt = None,
) -> None:
    """Ngày hẹn trả and each step's deadline for a dossier received at ``--received``."""
    from datetime import datetime

    from hub.calendar import TZ, DeadlineError, WorkingCalendar
    from hub.errors import ConfigError
    from hub.i18n import t
    from hub.settings import HubSettings

    try:
        received_at = datetime.strptime(received.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=TZ)
    except ValueError:
        raise _fail(f"{t('catalog.bad_date')}: {received!r} (YYYY-MM-DD HH:MM)") from None
    procedure = _procedure(_catalog(config), code)
    try:
        # The settings' office hours and day-off files ([calendar]), as the hub counts.
        calendar = WorkingCalendar(HubSettings().calendar)
    except ConfigError as exc:
        raise _fail(f"{t('cli.config_error')}: {exc.reason}") from None
    try:
        plan = calendar.deadline_plan(procedure, received_at, variant)
    except DeadlineError as exc:
        raise _fail(exc.message.render()) from None
    if as_json:
        typer.echo(json.dumps(plan_json(plan), ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    fmt = "%H:%M %d/%m/%Y"
    console = Console()
    console.print(f"[bold]{procedure.ma_tthc}[/bold] {procedure.ten}")
    if plan.variant:
        console.print(f"{t('catalog.process')}: {plan.variant}")
    console.print(f"{t('catalog.received')}: {plan.received_at.strftime(fmt)}")
    console.print(f"{t('catalog.clock_starts')}: {plan.starts_at.strftime(fmt)}")
    table = Table(title=t("catalog.deadlines"))
    for key in ("catalog.step", "catalog.content", "catalog.duration", "catalog.deadline"):
        table.add_column(t(key), overflow="fold")
    for s in plan.steps:
        table.add_row(s.label, (s.name or "")[:100], _days(s.days), s.deadline.strftime(fmt))
    if plan.steps:
        console.print(table)
    console.print(
        f"[bold]{t('catalog.ngay_hen_tra')}: {plan.ngay_hen_tra.strftime(fmt)}[/bold] "
        f"({_days(plan.total_days)} {t('catalog.working_days')})"
    )
    for m in plan.mismatches:
        console.print(f"[red]{t('catalog.mismatch')}[/red]: {m}")
