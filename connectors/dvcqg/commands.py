"""``tthc-hub dvcqg ...``: the national catalog check and the backfill of a period.

``check-catalog`` lists the mã TTHC the province uses (the hub's catalog and the
dossier mirror) that the portal does not know (``LayDanhSachTTHC``, each missing
one confirmed with ``LayThuTuc``). ``backfill`` compares a period of the mirror with
the portal's listing (a reconciliation run) and re-sends, through the hub's outbox,
what the portal lacks or holds differently: a repair event per dossier with its own
idempotency key, next in the dossier's sequence, so the worker keeps each dossier's
order. Interrupted, it resumes the same run's unrepaired findings; run again once
the outbox has delivered, it finds nothing and sends nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.sdk import add_help_vi

__all__ = ["app", "backfill", "check_catalog"]

app = typer.Typer(help="Cổng Dịch vụ công quốc gia: kiểm tra danh mục TTHC, đồng bộ bù.")
# Vietnamese of the English help strings (hub.cli_help, docs/messages.md).
add_help_vi({"settings file (TOML)": "tệp cấu hình (TOML)"})

ACTOR = "dvcqg-backfill"
_TEXT = {
    "unknown": ("Mã TTHC chưa có trên Cổng DVCQG", "Procedure codes unknown to the portal"),
    "all_known": ("Mọi mã TTHC đều có trên Cổng DVCQG", "Every procedure code is known"),
    "source": ("Nguồn", "Source"),
    "not_configured": (
        "Chưa cấu hình connectors.dvcqg",
        "connectors.dvcqg is not configured",
    ),
    "backfill": ("Đồng bộ bù", "Backfill"),
}
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="settings file (TOML)")]


def _t(key: str) -> str:
    vi, en = _TEXT[key]
    return en if os.environ.get("TTHC_HUB_LANG", "vi").lower().startswith("en") else vi


def _hub(config: Path | None) -> Any:
    from hub.sdk import Hub, HubSettings

    if config is not None:
        os.environ["TTHC_HUB_CONFIG"] = str(config)
    hub = Hub(HubSettings())
    if "dvcqg" not in hub.connectors:
        hub.close_store()
        typer.echo(_t("not_configured"), err=True)
        raise typer.Exit(2)
    return hub


# --- check-catalog ------------------------------------------------------------------------


async def check_catalog(hub: Any) -> list[dict[str, Any]]:
    """The codes the province uses that the portal does not know: ``[{ma_tthc, sources}]``."""
    from hub.sdk import national_ma_tthc

    used: dict[str, set[str]] = {}
    for procedure in hub.catalog:
        used.setdefault(national_ma_tthc(procedure.ma_tthc), set()).add("catalog")
    for code in await asyncio.to_thread(hub.mirror_procedures):
        used.setdefault(national_ma_tthc(code), set()).add("mirror")
    connector = hub.connectors["dvcqg"]
    national = await connector.national_procedures()
    unknown = []
    for code in sorted(set(used) - national):
        if not await connector.procedure_exists(code):  # the listing may be partial
            unknown.append({"ma_tthc": code, "sources": sorted(used[code])})
    return unknown


@app.command("check-catalog")
def check_catalog_cmd(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    config: ConfigOpt = None,
) -> None:
    """Liệt kê mã TTHC tỉnh dùng mà Cổng DVCQG không có (exit 1 nếu có)."""
    hub = _hub(config)
    try:
        unknown = asyncio.run(_closing(hub, check_catalog(hub)))
    finally:
        hub.close_store()
    if as_json:
        typer.echo(json.dumps({"unknown": unknown}, ensure_ascii=False, indent=2))
    elif not unknown:
        typer.echo(_t("all_known"))
    else:
        typer.echo(f"{_t('unknown')}: {len(unknown)}")
        for row in unknown:
            typer.echo(f"  {row['ma_tthc']}  ({_t('source')}: {', '.join(row['sources'])})")
    if unknown:
        raise typer.Exit(1)


# --- backfill -------------------------------------------------------------------------------


async def backfill(hub: Any, start: date, end: date, *, dry_run: bool = False) -> dict[str, Any]:
    """Re-send what the portal lacks for ``start``..``end`` through the outbox.

    Resumes the last backfill run of the same period while it has unrepaired findings;
    otherwise compares afresh. Returns ``{"run", "resumed", "differences", "counts"}``.
    """
    from hub.sdk import Period

    rec = hub.reconciler()
    period = Period(start, end)
    run_id = None
    for run in rec.list_runs(connector="dvcqg", limit=50):
        same = run["period_start"] == start.isoformat() and run["period_end"] == end.isoformat()
        if same and run["actor"] == ACTOR and run["state"] == "done":
            if int(run.get("repaired") or 0) < _differences(run):
                run_id = run["id"]
            break
    resumed = run_id is not None
    if run_id is None:
        run_id = await rec.run("dvcqg", period, actor=ACTOR)
    run = rec.get_run(run_id)
    outcome = await rec.repair(run_id, actor=ACTOR, dry_run=dry_run)
    return {
        "run": run_id,
        "resumed": resumed,
        "differences": _differences(run),
        "in_flight": run.get("in_flight"),
        "counts": outcome["counts"],
    }


def _differences(run: dict[str, Any]) -> int:
    return sum(int(v) for v in (run.get("counts") or {}).values())


@app.command("backfill")
def backfill_cmd(
    from_: Annotated[str, typer.Option("--from", help="từ ngày (YYYY-MM-DD)")],
    to: Annotated[str, typer.Option("--to", help="đến ngày (YYYY-MM-DD)")],
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    config: ConfigOpt = None,
) -> None:
    """Đồng bộ bù lên Cổng DVCQG những hồ sơ cổng còn thiếu trong khoảng ngày."""
    try:
        start, end = date.fromisoformat(from_), date.fromisoformat(to)
    except ValueError as exc:
        raise typer.BadParameter(f"--from/--to must be YYYY-MM-DD ({exc})") from None
    if end < start:
        raise typer.BadParameter("--to is before --from")
    hub = _hub(config)
    try:
        result = asyncio.run(_closing(hub, backfill(hub, start, end, dry_run=dry_run)))
    finally:
        hub.close_store()
    typer.echo(json.dumps({"backfill": result}, ensure_ascii=False, indent=2))


async def _closing(hub: Any, work: Any) -> Any:
    try:
        return await work
    finally:
        await hub.aclose()
