"""``tthc-hub dossiers``: dossiers at risk or overdue, and the apology's new appointment date.

The list is what the deadline watch (hub/deadlines.py, run by ``serve`` every
``scheduler.deadline_watch_seconds``) last found.
"""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="Dossier deadlines.", no_args_is_help=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="TOML settings file (default: $TTHC_HUB_CONFIG or ./tthc-hub.toml)"
    ),
]


def _t(key: str) -> str:
    """The words of ``dossiers`` (``dossiers.*`` in hub/i18n.py)."""
    from hub.i18n import t

    return t(f"dossiers.{key}")


def _when(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%H:%M %d/%m/%Y") if iso else ""


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


@app.command("at-risk")
def at_risk(
    config: ConfigOpt = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only overdue dossiers")] = False,
    connector: Annotated[
        str | None, typer.Option(help="only dossiers sent to or pulled from this connector")
    ] = None,
    ma_tthc: Annotated[str | None, typer.Option("--ma-tthc", help="procedure code")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table")] = False,
) -> None:
    """Dossiers within one working day of their deadline, or past it."""
    from rich.console import Console
    from rich.table import Table

    from hub.cli import _hub

    hub = _hub(config)
    try:
        rows = hub.deadlines.list_dossiers(
            overdue_only=overdue, connector=connector, ma_tthc=ma_tthc
        )
    finally:
        hub.close_store()
    if as_json:
        typer.echo(json.dumps({"items": rows}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{_t('title_overdue' if overdue else 'title')} ({len(rows)})")
    for key in ("ma_ho_so", "ma_tthc", "state", "han", "step", "step_due", "apology"):
        table.add_column(_t(key), overflow="fold")
    for r in rows:
        table.add_row(
            r["ma_ho_so"],
            r["ma_tthc"],
            _t(r["deadline_state"]),
            _when(r["han"]),
            r["buoc_hien_tai"] or "",
            _when(r["han_buoc_hien_tai"]),
            _when(r["apology_sent_at"]) or _t("no"),
        )
    Console().print(table)


@app.command("apologize")
def apologize(
    ma_ho_so: str,
    new_date: Annotated[
        str, typer.Option("--new-date", help="the new appointment date, 'YYYY-MM-DD HH:MM'")
    ],
    reason: Annotated[str, typer.Option("--reason", help="the reason for the delay")],
    by: Annotated[
        str | None, typer.Option("--by", help="who records it (default: the login)")
    ] = None,
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Record the apology letter's new appointment date; allowed once per dossier."""
    from hub.calendar import TZ
    from hub.cli import _hub
    from hub.deadlines import ApologyRefused

    try:
        moment = datetime.strptime(new_date, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)
    except ValueError:
        raise _fail(f"{_t('bad_date')}: {new_date}") from None
    actor = by or os.environ.get("TTHC_HUB_OPERATOR") or f"{getpass.getuser()}@cli"
    hub = _hub(config)
    try:
        result: dict[str, Any] = hub.deadlines.record_apology(
            ma_ho_so, moment, actor=actor, reason=reason
        )
    except ApologyRefused as exc:
        raise _fail(f"{_t('refused')}: {exc.reason}") from None
    finally:
        hub.close_store()
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{_t('recorded')}: {ma_ho_so} → {_when(result['ngay_hen_tra_moi'])}")
    if result["late"]:
        typer.echo(_t("late"))
