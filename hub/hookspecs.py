"""Hook specifications for tthc-hub plugins: every extension point of the hub.

The core calls these. Built-in connectors and mocks implement them exactly as an
external package would: a module with ``@hookimpl`` functions (``from hub import
hookimpl``), named in the ``tthc_hub`` entry-point group of the package's
``pyproject.toml``::

    [project.entry-points."tthc_hub"]
    vantai = "tthc_vantai.plugin"

A plugin implements only the hooks it needs. Every hook is documented, with an
example, in ``docs/hooks.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from hub.connector import Connector
    from hub.demo_kit import DemoScenario
    from hub.plugins import ConnectorInfo, PeriodicJob
    from hub.service import Hub
    from hub.settings import HubSettings

hookspec = pluggy.HookspecMarker("tthc_hub")

#: A mock's app factory: called with no argument, returns an ASGI app (FastAPI).
MockFactory = Callable[[], Any]


# --- connectors -----------------------------------------------------------


@hookspec
def register_connectors(settings: HubSettings) -> list[Connector]:  # type: ignore[empty-body]
    """Return the connectors this plugin provides, ready to use.

    Called once at start-up. Read your connector's settings with
    ``connector_settings(settings, name, YourSettings)`` (from ``[connectors.<name>]``
    in the TOML file or ``TTHC_HUB_CONNECTORS__<NAME>__<KEY>`` in the environment); it
    returns None when the section is absent or ``enabled = false``, and raises
    :class:`hub.errors.ConfigError` naming each key that is missing or wrong.

    :param settings: the hub settings.
    :returns: connector instances, each with a unique ``name``; ``[]`` when not
        configured or disabled.
    """


@hookspec
def describe_connectors() -> list[ConnectorInfo]:  # type: ignore[empty-body]
    """Describe the connectors this plugin can provide, configured or not.

    Called without settings, by ``tthc-hub connectors list`` (to show every installed
    connector and why it is or is not enabled) and at start-up (a ``[connectors.X]``
    section that no plugin describes is an error naming the nearest name). Keep it
    cheap: no client, no network, no heavy import.

    :returns: one :class:`hub.plugins.ConnectorInfo` per connector: its ``name``,
        ``title``, ``capabilities`` and the settings model that validates its section.
    """


# --- command line -------------------------------------------------------------


@hookspec
def register_commands() -> dict[str, typer.Typer]:  # type: ignore[empty-body]
    """Add command groups to the ``tthc-hub`` command line.

    Called every time ``tthc-hub`` starts, ``--help`` included: import heavy modules
    inside your commands, not at the top of the module that defines the group.

    :returns: group name -> a ``typer.Typer`` app; ``{"lienthong": app}`` adds
        ``tthc-hub lienthong ...``. A name already taken is a ConfigError.
    """


# --- API ------------------------------------------------------------------------


@hookspec
def register_routes(hub: Hub) -> dict[str, APIRouter]:  # type: ignore[empty-body]
    """Add routes to the hub's REST API, per connector.

    Called once when the API app is built. A router is mounted only when the connector
    it belongs to is enabled (in ``hub.connectors``); routes of a disabled or
    unconfigured connector are not served. Protect routes with
    ``Depends(hub.auth.requires(hub.settings.api_keys, "viewer"))``.

    :param hub: the running hub (settings, store, connectors).
    :returns: connector name -> a FastAPI ``APIRouter`` with its own prefix
        (``/api/v1/<name>/...``).
    """


# --- periodic jobs ----------------------------------------------------------------


@hookspec
def register_periodic_jobs(hub: Hub) -> dict[str, list[PeriodicJob]]:  # type: ignore[empty-body]
    """Add jobs the hub's scheduler runs on an interval, per connector.

    Called once when the scheduler is built (``tthc-hub serve``, unless ``--no-scheduler``).
    A connector's jobs are scheduled only when it is enabled (in ``hub.connectors``), each
    as ``<connector>:<name>``, one run at a time, and once per ``every_seconds`` slot
    however many hub instances run (the same guard as the hub's own pull and tracking).
    Read the interval from your connector's settings.

    :param hub: the running hub (settings, store, connectors).
    :returns: connector name -> a list of :class:`hub.sdk.PeriodicJob` (``name``,
        ``every_seconds``, ``run``: an async callable given the hub); ``{}`` for none.
    """


# --- mocks ----------------------------------------------------------------------


@hookspec
def register_mocks() -> dict[str, MockFactory]:  # type: ignore[empty-body]
    """Add mock ministry servers, served by ``tthc-hub mocks serve`` and used by the demo.

    Build the mock with the public mock kit (``hub.testing.mock``); import it inside
    the factory so that listing the mocks stays cheap.

    :returns: mock name (the connector's name) -> a factory called with no argument
        that returns a fresh ASGI app (FastAPI) with its own state.
    """


# --- demo -----------------------------------------------------------------------------


@hookspec
def register_demo_scenarios() -> list[DemoScenario]:  # type: ignore[empty-body]
    """Add this plugin's part to ``tthc-hub demo``: fresh scenario objects for one run.

    A :class:`hub.sdk.DemoScenario` names the mocks it needs started (seeded and
    faulted), its ``[connectors.X]`` sections against the mocks' URLs, its ``[[routes]]``,
    the province events it ingests, what it does before and after the worker drains, what
    it counts as lost, and the tables it prints. The demo knows no connector by name.
    Import the scenario module inside the hook.

    :returns: scenarios with unique names; ``[]`` to add nothing.
    """
