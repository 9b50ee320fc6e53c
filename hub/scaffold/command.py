"""The ``tthc-hub new-connector`` command (registered in hub/cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["new_connector"]


def new_connector(
    name: Annotated[str, typer.Argument(help="the connector's name: a lower-case identifier")],
    style: Annotated[
        str, typer.Option(help="how the ministry is reached: rest-key, rest-session or soap")
    ] = "rest-key",
    caps: Annotated[
        str, typer.Option(help="comma-separated capabilities: push, pull, fetch, list, track")
    ] = "push,fetch",
    out: Annotated[
        Path | None, typer.Option(help="an empty or new folder (default: ./tthc-NAME)")
    ] = None,
) -> None:
    """Generate a connector package that installs and passes the conformance suite."""
    from hub.scaffold.generator import ScaffoldError, default_out, generate

    try:
        files = generate(name, style, caps, out)
    except ScaffoldError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    target = out or default_out(name)
    typer.echo(f"wrote {len(files)} files to {target}")
    typer.echo(f"next: pip install -e {target} && (cd {target} && python -m pytest)")
