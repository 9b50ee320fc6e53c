"""``tthc-hub keys …``: API keys (the key shown once, its hash for the settings)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

__all__ = ["app"]

app = typer.Typer(help="API keys.", no_args_is_help=True)


@app.command("new")
def new_key(
    name: Annotated[str, typer.Option(help="who uses it, shown in the audit log")],
    role: Annotated[
        list[str], typer.Option(help="viewer, payload-viewer, operator, province-ingest, admin")
    ],
) -> None:
    """Make an API key: prints the key once, and the settings entry that stores its hash."""
    from hub.auth import ROLES, hash_key, new_key
    from hub.i18n import t

    bad = [r for r in role if r not in ROLES]
    if bad:
        typer.echo(f"{t('keys.bad_role')}: {bad}; {t('keys.use')} {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)
    key = new_key()
    typer.echo(f"{t('keys.shown_once')} {name}): {key}\n")
    typer.echo(f"{t('keys.add_to')}\n[[api_keys]]")
    typer.echo(f'name = "{name}"\nsha256 = "{hash_key(key)}"\nroles = {json.dumps(role)}')
