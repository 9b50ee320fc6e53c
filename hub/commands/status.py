"""``tthc-hub status``: each connector's queue and, probed now, its health.

Every enabled connector is listed, with or without jobs; its ``health()`` runs with
the ``[health]`` timeout (hub/health.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from hub.health import HealthReport
    from hub.service import Hub

__all__ = ["status_command"]

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML settings file")]


def status_command(
    config: ConfigOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Each connector: health (probed now), queue by state, oldest waiting job, last
    success, error rate."""
    import asyncio

    from hub.cli import _hub
    from hub.health import with_health
    from hub.ops import Operations

    hub = _hub(config)
    try:
        jobs = Operations(hub.store).status()
        rows = with_health(jobs, asyncio.run(_probe(hub)))
        missing = hub.calendar_years_without_file()
    finally:
        hub.close_store()
    if as_json:
        calendar = {"years_without_file": missing}
        body = {"connectors": rows, "calendar": calendar}
        typer.echo(json.dumps(body, default=str, ensure_ascii=False))
        return
    _print(rows)
    if missing:
        from hub.i18n import t

        years = ", ".join(str(y) for y in missing)
        typer.echo(t("status.calendar_missing").format(years=years))


async def _probe(hub: Hub) -> dict[str, HealthReport]:
    from hub.health import HealthChecker

    try:
        return await HealthChecker(hub.connectors, hub.settings.health).check()
    finally:
        await hub.aclose()


def _print(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    from hub.i18n import t

    table = Table(title=t("status.title"))
    for key in (
        "job.connector",
        "status.health",
        "status.queue",
        "status.oldest",
        "status.last_success",
        "status.error_rate",
    ):
        table.add_column(t(key), overflow="fold")
    for r in rows:
        queue = ", ".join(f"{t('state.' + k)}: {v}" for k, v in sorted(r["queue"].items()))
        oldest = r["oldest_waiting_seconds"]
        rate = r["error_rate"]
        table.add_row(
            r["connector"],
            _health(r["health"]),
            queue,
            f"{oldest / 60:.0f} min" if oldest is not None else "",
            _when(r["last_success_at"]),
            f"{rate:.1%} / {r['attempts_last_hour']}" if rate is not None else "",
        )
    Console().print(table)


def _health(health: dict[str, Any] | None) -> str:
    from hub.i18n import t

    if health is None:
        return ""
    if health["ok"]:
        latency = health["latency_ms"]
        return t("status.health.ok") + (f" ({latency:.0f} ms)" if latency is not None else "")
    return f"{t('status.health.failing')}: {health['detail']}"


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else ""
