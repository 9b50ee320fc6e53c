"""Hook specifications for tthc-hub plugins.

The core calls these. Built-in connectors implement them exactly as an external
package would: a module with ``@hub.hookimpl`` functions, named in the
``tthc_hub`` entry-point group of the package's ``pyproject.toml``::

    [project.entry-points."tthc_hub"]
    vantai = "tthc_vantai.plugin"

Every hook is documented in ``docs/hooks.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from hub.connector import Connector
    from hub.settings import HubSettings

hookspec = pluggy.HookspecMarker("tthc_hub")


# --- connectors -----------------------------------------------------------


@hookspec
def register_connectors(settings: HubSettings) -> list[Connector]:
    """Return the connectors this plugin provides.

    Called once at start-up. Read your connector's settings with
    ``settings.connector(name)`` (a dict from ``[connectors.<name>]`` in the
    TOML file or ``TTHC_HUB_CONNECTORS__<NAME>__<KEY>`` in the environment), and
    raise :class:`hub.errors.ConfigError` when one is missing or wrong.
    Return an empty list when the connector is disabled
    (``enabled = false``).

    :param settings: the hub settings.
    :returns: connector instances, each with a unique ``name``.
    """
