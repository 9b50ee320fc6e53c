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
    auth: Annotated[
        str | None,
        typer.Option(
            help="how the rest-key style authenticates: key (ApiKey header, the default), "
            "bearer (a static token) or oauth2 (client credentials)"
        ),
    ] = None,
    builtin: Annotated[
        bool,
        typer.Option(
            "--builtin",
            help="write into the hub's repository (connectors/NAME, mocks/NAME, "
            "tests/connectors) and register it there",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            help="an empty or new folder (default: ./tthc-NAME); with --builtin, the "
            "repository root (default: .)"
        ),
    ] = None,
) -> None:
    """Generate a connector package that installs and passes the conformance suite."""
    from hub.scaffold.generator import ScaffoldError, default_out, generate

    try:
        files = generate(name, style, caps, out, auth=auth, builtin=builtin)
    except ScaffoldError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if builtin:
        _report_builtin(name, out or Path.cwd(), files)
        return
    target = out or default_out(name)
    typer.echo(f"wrote {len(files)} files to {target}")
    typer.echo(f"next: pip install -e {target} && (cd {target} && python -m pytest)")


def _report_builtin(name: str, root: Path, files: list[Path]) -> None:
    from hub.scaffold.builtin import registrations

    edited = set(files)
    typer.echo(f"wrote connectors/{name}, mocks/{name} and tests/connectors in {root}")
    for reg in registrations(name):
        if root / reg.file in edited:
            typer.echo(f"registered: {reg.file} {reg.where}: {reg.line}")
        else:
            typer.echo(f"add by hand to {reg.file}, {reg.where}: {reg.line}", err=True)
    typer.echo(
        f"next: pip install -e . (the hub reads entry points from the installed metadata) "
        f"&& python -m pytest tests/connectors/test_{name}_conformance.py"
    )
