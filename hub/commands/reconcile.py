"""``tthc-hub reconcile …``: compare the province mirror with each ministry, report, repair
(rules in hub/reconcile.py)."""

from __future__ import annotations

import getpass
import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Reconciliation with the ministries.",
    invoke_without_command=True,
)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML settings file")]


def _actor() -> str:
    return os.environ.get("TTHC_HUB_OPERATOR") or f"{getpass.getuser()}@cli"


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(2)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else ""


@app.callback()
def reconcile(
    ctx: typer.Context,
    config: ConfigOpt = None,
    connector: Annotated[
        str | None, typer.Option(help="one connector (default: every one that can list)")
    ] = None,
    start: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="first day")
    ] = None,
    end: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="last day (default today)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="json, csv, xlsx or html")] = "html",
    out: Annotated[Path | None, typer.Option("--out", help="write the report here")] = None,
    repair: Annotated[
        bool, typer.Option("--repair", help="enqueue what closes each difference")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="with --repair: only show it")] = False,
    stale_hours: Annotated[
        float, typer.Option(help="the ministry is stale when behind by more than this")
    ] = 24.0,
) -> None:
    """Compare the mirror with the ministries; report; optionally repair."""
    if ctx.invoked_subcommand is not None:
        return
    from datetime import timedelta

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from hub.cli import _hub
    from hub.connector import Period
    from hub.i18n import t
    from hub.reconcile import FULL_START, KINDS, ReconcileError, Reconciler, default_period
    from hub.reconcile_report import FORMATS, render

    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}")
    if dry_run and not repair:
        _fail("--dry-run goes with --repair")
    hub = _hub(config)
    rec = Reconciler(hub, stale_after=timedelta(hours=stale_hours))
    names = [connector] if connector else rec.list_connectors()
    try:
        period = Period(
            start.date() if start else FULL_START,
            end.date() if end else default_period().end,
        )
    except ValueError as exc:
        _fail(str(exc))
    console = Console(stderr=True)

    async def _run() -> list[int]:
        ids = []
        try:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed:,}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar:
                for name in names:
                    listing = bar.add_task(f"{name}: {t('reconcile.listing')}", total=None)
                    comparing = bar.add_task(f"{name}: {t('reconcile.comparing')}", total=None)
                    tasks = {"listing": listing, "comparing": comparing}

                    def progress(stage: str, done: int, tasks: dict[str, Any] = tasks) -> None:
                        bar.update(tasks[stage], completed=done)

                    ids.append(await rec.run(name, period, actor=_actor(), progress=progress))
                    bar.update(listing, total=bar.tasks[listing].completed)
            if repair:
                for run_id in ids:
                    result = await rec.repair(run_id, actor=_actor(), dry_run=dry_run)
                    _print_repair(console, result)
        finally:
            await hub.aclose()
        return ids

    try:
        import asyncio  # not at the top: --help stays fast

        ids = asyncio.run(_run())
    except ReconcileError as exc:
        _fail(exc.reason)
    try:
        runs = [rec.get_run(i) for i in ids]
        _print_runs(runs, KINDS)
        if out is not None:
            out.write_bytes(render(rec, runs, fmt))
            typer.echo(str(out))
    finally:
        # Reading after the run opened a new pooled connection: close it too.
        hub.close_store()


def _print_runs(runs: list[dict[str, Any]], kinds: tuple[str, ...]) -> None:
    from rich.console import Console
    from rich.table import Table

    from hub.i18n import t

    table = Table(title=t("reconcile.title"))
    for col in ("run", "connector", "period", "province_count", "remote_count"):
        table.add_column(t(f"reconcile.{col}"))
    for k in kinds:
        table.add_column(t(f"reconcile.kind.{k}"), justify="right")
    table.add_column(t("reconcile.repaired"), justify="right")
    for r in runs:
        counts = r["counts"] or {}
        table.add_row(
            str(r["id"]),
            r["connector"],
            f"{r['period_start']} – {r['period_end']}",
            f"{r['province_count']:,}",
            f"{r['remote_count']:,}",
            *[str(counts.get(k, 0)) for k in kinds],
            str(r["repaired"]),
        )
    Console().print(table)


def _print_repair(console: Any, result: dict[str, Any]) -> None:
    head = "dry run" if result["dry_run"] else "repair"
    console.print(f"[bold]{head}[/] run {result['run']}: {result['counts'] or 'nothing to do'}")
    for item in result["items"][:50]:
        console.print(
            f"  {item['kind']:<16} {item['ma_ho_so']}  "
            + " ".join(f"{k}={v}" for k, v in item.items() if k not in ("kind", "ma_ho_so"))
        )


@app.command("list")
def list_runs(
    config: ConfigOpt = None,
    connector: Annotated[str | None, typer.Option(help="only this connector")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
) -> None:
    """The latest reconciliation runs."""
    from hub.cli import _hub
    from hub.reconcile import Reconciler, used_kinds

    hub = _hub(config)
    try:
        runs = Reconciler(hub).list_runs(connector=connector, limit=limit)
        _print_runs(runs, used_kinds(runs))
    finally:
        hub.close_store()


@app.command("show")
def show_run(
    run_id: Annotated[int, typer.Argument(help="run id", min=1, max=2**63 - 1)],
    config: ConfigOpt = None,
    kind: Annotated[str | None, typer.Option(help="only this kind of difference")] = None,
    limit: Annotated[int, typer.Option(min=1, max=5000)] = 200,
) -> None:
    """One run: its counts and its differences."""
    from rich.console import Console
    from rich.table import Table

    from hub.cli import _hub
    from hub.i18n import t
    from hub.reconcile import ReconcileError, Reconciler, status_label, used_kinds

    hub = _hub(config)
    try:
        rec = Reconciler(hub)
        try:
            run = rec.get_run(run_id)
        except ReconcileError as exc:
            _fail(exc.reason)
        _print_runs([run], used_kinds([run]))
        table = Table(title=t("reconcile.findings"))
        for col in (
            "ma_ho_so",
            "ma_tthc",
            "kind",
            "province_status",
            "remote_status",
            "action",
            "repair",
        ):
            # Codes are copied from here into other commands: never wrapped.
            table.add_column(t(f"reconcile.{col}"), no_wrap=col == "ma_ho_so", min_width=8)
        for f in rec.findings(run_id, kind=kind, limit=limit):
            table.add_row(
                f["ma_ho_so"],
                f["ma_tthc"] or "",
                t(f"reconcile.kind.{f['kind']}"),
                status_label(f["province_status"]),
                status_label(f["remote_status"]),
                t(f"reconcile.action.{f['action']}"),
                f["repair"] or "",
            )
        Console().print(table)
    finally:
        hub.close_store()


_ = date  # typer resolves annotations at runtime
