"""``tthc-hub audit``: the operator audit log (who, when, what, why, how many)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["audit_command"]

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML settings file")]


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else ""


def audit_command(
    config: ConfigOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    actor: Annotated[str | None, typer.Option("--by")] = None,
    action: str | None = None,
) -> None:
    """The operator audit log: who, when, what, why, how many."""
    from rich.console import Console
    from rich.table import Table

    from hub.cli import _hub
    from hub.i18n import t
    from hub.ops import Operations

    ops = Operations(_hub(config).store)
    table = Table(title=t("audit.title"))
    for key in (
        "audit.at",
        "audit.actor",
        "audit.action",
        "audit.target",
        "audit.reason",
        "audit.count",
    ):
        table.add_column(t(key), overflow="fold")
    for a in ops.audit(limit=limit, actor=actor, action=action):
        table.add_row(
            _when(a["at"]), a["actor"], a["action"], a["target"], a["reason"] or "", str(a["count"])
        )
    Console().print(table)
