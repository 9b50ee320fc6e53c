"""The ``tthc-hub`` command line (Typer + Rich).

Heavy modules (zeep, FastAPI, SQLAlchemy) are imported inside the commands that
need them, so ``tthc-hub --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from hub.service import Hub
    from hub.settings import HubSettings


class HubGroup(TyperGroup):
    """The root command: a HubError from any command (a ministry that does not answer, a
    refused call, bad settings) becomes one line on stderr and a non-zero exit (2 for
    configuration, 1 otherwise), never a traceback."""

    def invoke(self, ctx: Any) -> Any:  # click's Context (Typer may vendor click)
        try:
            return super().invoke(ctx)
        except Exception as exc:
            errors = sys.modules.get("hub.errors")  # not loaded: it cannot be a HubError
            if errors is None or not isinstance(exc, errors.HubError):
                raise
            from hub.i18n import t

            if isinstance(exc, errors.ConfigError):
                where = f"[{exc.system}] " if exc.system else ""
                typer.echo(f"{t('cli.config_error')}: {where}{exc.reason}", err=True)
                raise typer.Exit(2) from None
            typer.echo(f"{t('cli.error')}: {exc.describe()}", err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=HubGroup,
    name="tthc-hub",
    # Help strings are English; hub.cli_help puts Vietnamese in place at start-up.
    help="Integration hub between the province's one-stop-shop and the ministries.",
    no_args_is_help=True,
    # Plain help: rendering it with Rich imports Rich (≈0.2 s of a 0.5 s start on a slow
    # machine, issue #9); tables and progress bars of the commands still use Rich.
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
connectors_app = typer.Typer(help="Connectors.", no_args_is_help=True)
mocks_app = typer.Typer(help="Bundled mock ministry servers.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(connectors_app, name="connectors")
app.add_typer(mocks_app, name="mocks")

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="TOML settings file (default: $TTHC_HUB_CONFIG or ./tthc-hub.toml)"
    ),
]


@app.callback()
def _main(
    lang: Annotated[
        str, typer.Option("--lang", help="vi (default) or en", envvar="TTHC_HUB_LANG")
    ] = "vi",
) -> None:
    os.environ["TTHC_HUB_LANG"] = lang


def _settings(config: Path | None) -> HubSettings:
    from hub.errors import ConfigError
    from hub.logging import setup_logging
    from hub.settings import HubSettings

    if config is not None:
        os.environ["TTHC_HUB_CONFIG"] = str(config)
    try:
        settings = HubSettings()
    except (ConfigError, ValueError) as exc:
        from hub.i18n import t

        typer.echo(f"{t('cli.config_error')}: {_one_line(exc)}", err=True)
        raise typer.Exit(2) from None
    setup_logging(settings.log_format, settings.log_level)
    return settings


def _one_line(exc: Exception) -> str:
    """A settings error on one line: each field at fault and why, never its value."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return " ".join(str(exc).split())
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
        for e in exc.errors(include_url=False, include_input=False)
    )


def _hub(config: Path | None) -> Hub:
    from hub.service import Hub

    return Hub(_settings(config))  # a ConfigError is reported by HubGroup


# --- serve / worker -------------------------------------------------------------


@app.command()
def serve(
    config: ConfigOpt = None,
    host: Annotated[str | None, typer.Option(help="bind address (default from settings)")] = None,
    port: Annotated[
        int | None, typer.Option(help="port (default from settings)", min=0, max=65535)
    ] = None,
    worker: Annotated[bool, typer.Option(help="run the worker in this process")] = True,
    scheduler: Annotated[bool, typer.Option(help="run the periodic pulls in this process")] = True,
) -> None:
    """Run the API, the worker and the scheduler (embedded default: SQLite)."""
    import uvicorn

    from hub.api import create_app
    from hub.store.engine import check_writable

    hub = _hub(config)
    check_writable(hub.engine)  # not answer 202s and then fail every write
    bind = host or hub.settings.api.host
    if not hub.settings.api_keys and bind not in ("127.0.0.1", "localhost", "::1"):
        from hub.i18n import t

        typer.echo(t("serve.loopback_only"), err=True)
        raise typer.Exit(2)
    api = create_app(hub, run_worker=worker, run_scheduler=scheduler)
    hub.warn_calendar_years()
    uvicorn.run(
        api,
        host=bind,
        port=port or hub.settings.api.port,
        log_level="warning",
        timeout_keep_alive=hub.settings.api.keepalive_seconds,
    )


@app.command("worker")
def run_worker(
    config: ConfigOpt = None,
    concurrency: Annotated[
        int | None, typer.Option(help="concurrent calls per connector", min=1, max=1000)
    ] = None,
) -> None:
    """Run a worker alone: claim and send jobs until stopped (SIGINT/SIGTERM)."""
    import asyncio
    import signal

    from hub.store.engine import check_writable

    hub = _hub(config)
    check_writable(hub.engine)
    if concurrency is not None:
        hub.worker.set_concurrency(concurrency)
    hub.warn_calendar_years()

    async def _run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await hub.worker.run(stop)
        finally:
            await hub.aclose()

    asyncio.run(_run())


# --- db ---------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = None) -> None:
    """Apply the schema migrations (also done on first start)."""
    from hub.store.engine import database_errors, make_engine, upgrade_schema

    engine = make_engine(_settings(config).database_url)
    with database_errors(engine):
        upgrade_schema(engine)
    from hub.i18n import t

    typer.echo(t("db.up_to_date"))


# --- connectors ---------------------------------------------------------------


@connectors_app.command("list")
def connectors_list(
    config: ConfigOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Every installed connector, configured or not: its state and what it can do.

    Reads the settings only (no database, no call to a ministry); exits 1 when a
    connector is misconfigured."""
    from hub.i18n import t
    from hub.plugins import connector_states

    states = connector_states(_settings(config))
    if as_json:
        import json
        from dataclasses import asdict

        typer.echo(json.dumps([asdict(s) for s in states], ensure_ascii=False))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=t("connectors.title"))
        for key in ("connector.name", "connector.title", "connector.capabilities"):
            table.add_column(t(key))
        table.add_column(t("connector.state"), overflow="fold")
        for c in states:
            state = t(f"connector.state.{c.state}")
            table.add_row(
                c.name,
                c.title,
                ", ".join(t(f"capability.{cap}", default=cap) for cap in c.capabilities),
                f"{state}: {c.reason}" if c.reason else state,
            )
        console = Console()
        console.print(table)
        if all(c.state == "not_configured" for c in states):
            console.print(t("connectors.none_configured"), markup=False)
    if any(c.state == "misconfigured" for c in states):
        raise typer.Exit(1)


# --- mocks ---------------------------------------------------------------------------


@mocks_app.command("serve")
def mocks_serve(
    host: Annotated[str, typer.Option(help="loopback address to bind")] = "127.0.0.1",
    base_port: Annotated[
        int, typer.Option(help="first port; each mock takes the next one (0 = any free port)")
    ] = 8101,
    only: Annotated[list[str] | None, typer.Option("--only", help="serve only these mocks")] = None,
    seed: Annotated[int, typer.Option(help="ministry-filed dossiers to create at start")] = 0,
) -> None:
    """Serve every bundled mock on its own loopback port until stopped."""
    import time

    import httpx
    from rich.console import Console
    from rich.table import Table

    from hub.i18n import t
    from hub.plugins import mock_factories
    from hub.testing.mock.server import start_server

    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(t("mocks.loopback_only"), err=True)
        raise typer.Exit(2)
    factories = mock_factories()
    for name in only or []:
        if name not in factories:
            import difflib

            near = difflib.get_close_matches(name, sorted(factories), n=1)
            hint = f" ({near[0]}?)" if near else ""
            typer.echo(
                f"{t('mocks.unknown')}: {name}{hint}; {', '.join(sorted(factories))}", err=True
            )
            raise typer.Exit(2)
    # The i-th mock served takes base_port + i: ``--only monre --base-port P`` is on P.
    selected = sorted(n for n in factories if not only or n in only)
    servers = []
    table = Table(title=t("mocks.title"))
    table.add_column(t("mocks.mock"))
    table.add_column("URL")
    for i, name in enumerate(selected):
        port = 0 if base_port == 0 else base_port + i
        server = start_server(factories[name](), host=host, port=port)
        servers.append(server)
        if seed:
            httpx.post(f"{server.url}/_mock/seed", json={"count": seed, "seed": 1}, timeout=30)
        table.add_row(name, server.url)
    console = Console()
    console.print(table)
    console.print(t("mocks.running"))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers:
            server.stop()


# --- demo ----------------------------------------------------------------------------


@app.command()
def demo(
    dossiers: Annotated[int, typer.Option(min=1, max=5000, help="province dossiers to sync")] = 60,
    ministry_filed: Annotated[
        int, typer.Option(min=0, max=1000, help="dossiers filed at the ministry")
    ] = 12,
    invalid: Annotated[
        int, typer.Option(min=0, max=100, help="dossiers lacking what the ministry requires")
    ] = 3,
    fault_rate: Annotated[
        float, typer.Option(min=0, max=0.5, help="share of calls the mock fails")
    ] = 0.12,
    seed: Annotated[int, typer.Option(help="random seed of the sample data and the faults")] = 2026,
    keep: Annotated[
        Path | None, typer.Option(help="keep the SQLite file here instead of a temp dir")
    ] = None,
) -> None:
    """Run the whole flow against the installed connectors' mocks; print what happened."""
    from hub.demo import run_demo

    lost = run_demo(
        dossiers=dossiers,
        ministry_filed=ministry_filed,
        invalid=invalid,
        fault_rate=fault_rate,
        seed=seed,
        keep=keep,
    )
    raise typer.Exit(1 if lost else 0)


def _mount_command_groups() -> None:
    """Mount the feature command groups of ``hub.commands`` (see its docstring), and those
    plugins add with the ``register_commands`` hook (``tthc-hub lienthong ...``)."""
    from importlib import import_module

    from hub.plugins import command_groups

    for name, module in COMMAND_GROUPS.items():
        app.add_typer(import_module(module).app, name=name)
    from hub.commands.audit import audit_command
    from hub.commands.keys import app as keys_app
    from hub.commands.lookup import lookup_command
    from hub.commands.status import status_command

    app.command("status")(status_command)
    app.command("audit")(audit_command)
    app.command("lookup")(lookup_command)
    app.add_typer(keys_app, name="keys")
    from hub.scaffold.command import new_connector

    app.command("new-connector")(new_connector)
    taken = {*COMMAND_GROUPS, "status", "audit", "keys", "db", "connectors", "mocks"}
    taken |= {
        c.name or getattr(c.callback, "__name__", "").replace("_", "-")
        for c in app.registered_commands
    }
    try:
        groups = command_groups(taken=taken)
    except Exception as exc:  # a broken plugin must not take the other commands down
        from hub.i18n import t

        typer.echo(f"{exc}: {t('cli.plugins_not_loaded')}", err=True)
        return
    for name, group in groups.items():
        app.add_typer(group, name=name)


#: name -> module of a command group with an ``app``.
COMMAND_GROUPS: dict[str, str] = {
    "jobs": "hub.commands.jobs",
    "catalog": "hub.commands.catalog",
    "reconcile": "hub.commands.reconcile",
    "dossiers": "hub.commands.dossiers",
}
_mount_command_groups()


def command() -> Any:
    """The Click command of the app, its help in the language asked for (hub.cli_help)."""
    from hub.cli_help import language_of, localize

    return localize(typer.main.get_command(app), language_of())


def main() -> None:
    command()(prog_name="tthc-hub")
