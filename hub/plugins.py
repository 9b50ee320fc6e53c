"""The plugin manager: loads connector plugins from the ``tthc_hub`` entry-point group."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from hub import hookspecs
from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.connector import Connector
    from hub.settings import HubSettings

ENTRY_POINT_GROUP = "tthc_hub"

__all__ = ["ENTRY_POINT_GROUP", "get_plugin_manager", "load_connectors"]


def get_plugin_manager(*, load_entry_points: bool = True) -> pluggy.PluginManager:
    """A plugin manager with the hub's hookspecs and every installed plugin."""
    pm = pluggy.PluginManager("tthc_hub")
    pm.add_hookspecs(hookspecs)
    if load_entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.check_pending()
    return pm


def load_connectors(
    settings: HubSettings, pm: pluggy.PluginManager | None = None
) -> dict[str, Connector]:
    """Instantiate every registered connector, keyed by name; names must be unique."""
    pm = pm or get_plugin_manager()
    connectors: dict[str, Connector] = {}
    for result in pm.hook.register_connectors(settings=settings):
        for connector in result or []:
            _check_interface(connector)
            if connector.name in connectors:
                raise ConfigError(f"two plugins register a connector named {connector.name!r}")
            connectors[connector.name] = connector
    return connectors


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
        raise ConfigError(
            f"{connector!r} does not implement the Connector interface: "
            f"missing {', '.join(missing)}"
        )
