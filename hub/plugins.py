"""The plugin manager: every plugin of the ``tthc_hub`` entry-point group, and the hub's
side of each hook (docs/hooks.md): connectors, their states, command groups, API routes,
periodic jobs and mocks.

This module stays light (pluggy only at import): ``tthc-hub --help`` imports it.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pluggy

from hub import hookspecs

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from pydantic import BaseModel

    from hub.connector import Capability, Connector
    from hub.demo_kit import DemoScenario
    from hub.service import Hub
    from hub.settings import HubSettings

ENTRY_POINT_GROUP = "tthc_hub"

__all__ = [
    "ENTRY_POINT_GROUP",
    "ConnectorInfo",
    "ConnectorState",
    "PeriodicJob",
    "command_groups",
    "connector_states",
    "demo_scenarios",
    "describe_connectors",
    "get_plugin_manager",
    "load_connectors",
    "mock_factories",
    "periodic_jobs",
    "plugin_routers",
]


@dataclass(frozen=True, slots=True)
class ConnectorInfo:
    """What ``describe_connectors`` returns for one connector: known without settings."""

    #: The connector's name, also its settings section (``[connectors.<name>]``).
    name: str
    #: A title for people (``Trợ giúp xã hội (Bộ LĐTBXH)``).
    title: str
    #: What it can do, as its instances declare.
    capabilities: frozenset[Capability]
    #: The model that validates ``[connectors.<name>]`` (a ``ConnectorSettings`` subclass).
    settings: type[BaseModel]

    @classmethod
    def of(cls, connector: type[Any], settings: type[BaseModel]) -> ConnectorInfo:
        """From a connector class whose ``name``, ``title`` and ``capabilities`` are class
        attributes: ``ConnectorInfo.of(VantaiConnector, VantaiSettings)``."""
        return cls(connector.name, connector.title, frozenset(connector.capabilities), settings)


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """One job a connector runs on an interval (what ``register_periodic_jobs`` returns):
    ``PeriodicJob("sweep", 300, ledger.sweep)``. Scheduled as ``<connector>:<name>``, run
    once per ``every_seconds`` slot however many hub instances there are."""

    #: The job's name within its connector (its scheduler id is ``<connector>:<name>``).
    name: str
    #: How often it runs, in seconds (> 0).
    every_seconds: float
    #: Called with the running hub: ``async def run(hub) -> Any``.
    run: Callable[[Hub], Awaitable[Any]]

    def __post_init__(self) -> None:
        if not self.name or ":" in self.name:
            raise _config_error(f"a periodic job needs a name without ':', not {self.name!r}")
        if not self.every_seconds > 0:
            raise _config_error(
                f"periodic job {self.name!r}: every_seconds must be > 0, not {self.every_seconds!r}"
            )
        if not callable(self.run):
            raise _config_error(f"periodic job {self.name!r}: run must be callable")


State = Literal["enabled", "disabled", "not_configured", "misconfigured"]


@dataclass(frozen=True, slots=True)
class ConnectorState:
    """One installed connector as ``tthc-hub connectors list`` shows it."""

    name: str
    title: str
    capabilities: tuple[str, ...]
    state: State
    #: Why, when misconfigured (which keys, what is wrong; never a value).
    reason: str = ""


def get_plugin_manager(*, load_entry_points: bool = True) -> pluggy.PluginManager:
    """A plugin manager with the hub's hookspecs and every installed plugin."""
    pm = pluggy.PluginManager("tthc_hub")
    pm.add_hookspecs(hookspecs)
    if load_entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.check_pending()
    return pm


def _config_error(reason: str, *, system: str | None = None) -> Exception:
    from hub.errors import ConfigError  # imported late: hub.errors imports httpx

    return ConfigError(reason, system=system)


# --- connectors ---------------------------------------------------------------------


def describe_connectors(pm: pluggy.PluginManager | None = None) -> dict[str, ConnectorInfo]:
    """Every installed connector, configured or not, keyed by name."""
    pm = pm or get_plugin_manager()
    infos: dict[str, ConnectorInfo] = {}
    for result in pm.hook.describe_connectors():
        for info in result or []:
            if info.name in infos:
                raise _config_error(f"two plugins describe a connector named {info.name!r}")
            infos[info.name] = info
    return infos


def load_connectors(
    settings: HubSettings, pm: pluggy.PluginManager | None = None
) -> dict[str, Connector]:
    """Instantiate every enabled connector, keyed by name; names must be unique, and every
    ``[connectors.X]`` section must belong to an installed connector."""
    pm = pm or get_plugin_manager()
    connectors: dict[str, Connector] = {}
    for result in pm.hook.register_connectors(settings=settings):
        for connector in result or []:
            _check_interface(connector)
            if connector.name in connectors:
                raise _config_error(f"two plugins register a connector named {connector.name!r}")
            connectors[connector.name] = connector
    if set(settings.connectors) - set(connectors):  # disabled or unknown: ask the plugins
        # (only then: describing imports every connector, zeep included, ~0.1 s)
        check_sections(settings, {*describe_connectors(pm), *connectors})
    return connectors


def check_sections(settings: HubSettings, installed: Iterable[str]) -> None:
    """A ``[connectors.X]`` section that no installed connector reads is a ConfigError
    naming the nearest installed name (a misspelt section would be silently ignored)."""
    known = sorted(set(installed))
    for name in sorted(set(settings.connectors) - set(known)):
        near = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean [connectors.{near[0]}]? " if near else ""
        raise _config_error(
            f"the settings section [connectors.{name}] matches no installed connector; "
            f"{hint}installed: {', '.join(known) or 'none'}"
        )


def connector_states(
    settings: HubSettings, pm: pluggy.PluginManager | None = None
) -> list[ConnectorState]:
    """Every installed connector with its state, from its settings section alone: no
    connector is built, no database opened, nothing sent."""
    from hub.connector_settings import connector_settings
    from hub.errors import ConfigError

    infos = describe_connectors(pm)
    check_sections(settings, infos)
    states = []
    for name, info in sorted(infos.items()):
        section = settings.connector(name)
        caps = tuple(sorted(str(c) for c in info.capabilities))
        state: State = "enabled"
        reason = ""
        if not section:
            state = "not_configured"
        else:
            try:
                if connector_settings(settings, name, info.settings) is None:
                    state = "disabled"
            except ConfigError as exc:
                state, reason = "misconfigured", exc.reason
        states.append(ConnectorState(name, info.title, caps, state, reason))
    return states


_METHODS = {
    "push": ("push",),
    "pull": ("pull", "acknowledge"),
    "fetch": ("fetch",),
    "track": ("fetch",),
    "list": ("list_remote",),
}


def _check_interface(connector: object) -> None:
    """A connector needs its name, title and capabilities, the methods of the capabilities
    it declares, and health/aclose; nothing else (hub/connector.py)."""
    missing = [a for a in ("name", "title", "capabilities") if not hasattr(connector, a)]
    if not missing:
        declared = {str(c.value if hasattr(c, "value") else c) for c in connector.capabilities}  # type: ignore[attr-defined]
        needed = {"health", "aclose"} | {m for c in declared for m in _METHODS.get(c, ())}
        missing = sorted(m for m in needed if not callable(getattr(connector, m, None)))
    if missing:
        raise _config_error(
            f"{connector!r} does not implement the Connector interface: "
            f"missing {', '.join(missing)}"
        )


# --- command line, API routes, mocks --------------------------------------------------


def command_groups(
    pm: pluggy.PluginManager | None = None, *, taken: Iterable[str] = ()
) -> dict[str, typer.Typer]:
    """The command groups plugins add (``register_commands``); a name already taken, by
    the hub or another plugin, is a ConfigError."""
    pm = pm or get_plugin_manager()
    used = set(taken)
    groups: dict[str, typer.Typer] = {}
    for result in pm.hook.register_commands():
        for name, group in (result or {}).items():
            if name in used:
                raise _config_error(f"two command groups are named {name!r}")
            used.add(name)
            groups[name] = group
    return groups


def plugin_routers(hub: Hub, pm: pluggy.PluginManager | None = None) -> list[APIRouter]:
    """The API routers plugins add (``register_routes``) for the connectors that are
    enabled in ``hub``; those of a disabled or unconfigured connector are left out."""
    pm = pm or get_plugin_manager()
    routers: list[APIRouter] = []
    for result in pm.hook.register_routes(hub=hub):
        for name, router in (result or {}).items():
            if name in hub.connectors:
                routers.append(router)
    return routers


def periodic_jobs(hub: Hub, pm: pluggy.PluginManager | None = None) -> dict[str, PeriodicJob]:
    """scheduler id (``<connector>:<name>``) -> job, of every plugin's periodic jobs
    (``register_periodic_jobs``) for the connectors enabled in ``hub``; those of a disabled
    or unconfigured connector are left out. Two jobs with one id are a ConfigError."""
    pm = pm or get_plugin_manager()
    jobs: dict[str, PeriodicJob] = {}
    for result in pm.hook.register_periodic_jobs(hub=hub):
        for name, listed in (result or {}).items():
            if name not in hub.connectors:
                continue
            for job in listed:
                if not isinstance(job, PeriodicJob):
                    raise _config_error(
                        f"register_periodic_jobs for {name!r} returned {job!r}, not a PeriodicJob"
                    )
                key = f"{name}:{job.name}"
                if key in jobs:
                    raise _config_error(f"two periodic jobs are named {key!r}")
                jobs[key] = job
    return jobs


def mock_factories(pm: pluggy.PluginManager | None = None) -> dict[str, Any]:
    """name -> app factory of every installed mock (``register_mocks``)."""
    pm = pm or get_plugin_manager()
    factories: dict[str, Any] = {}
    for result in pm.hook.register_mocks():
        for name, factory in (result or {}).items():
            if name in factories:
                raise _config_error(f"two plugins register a mock named {name!r}")
            factories[name] = factory
    return factories


def demo_scenarios(pm: pluggy.PluginManager | None = None) -> list[DemoScenario]:
    """Every installed plugin's part of the demo (``register_demo_scenarios``), fresh
    objects in the order of their names; two scenarios with one name are a ConfigError."""
    pm = pm or get_plugin_manager()
    scenarios: dict[str, DemoScenario] = {}
    for result in pm.hook.register_demo_scenarios():
        for scenario in result or []:
            if scenario.name in scenarios:
                raise _config_error(f"two plugins add a demo scenario named {scenario.name!r}")
            scenarios[scenario.name] = scenario
    return [scenarios[name] for name in sorted(scenarios)]
