"""MOLISA (Bộ LĐTBXH) social-assistance connector: the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.molisa]``::

    [connectors.molisa]
    base_url = "https://molisa.example.gov.vn"
    accept_key = "..."            # or TTHC_HUB_CONNECTORS__MOLISA__ACCEPT_KEY
    ma_tthc_map = { "1.001776.H34" = "1.001776" }

Every ``tthc-hub`` start loads this module (for the command groups); the connector,
httpx and pydantic are imported inside the hooks only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.sdk import hookimpl

if TYPE_CHECKING:
    from hub.sdk import Connector, ConnectorInfo, HubSettings

__all__ = ["MolisaConnector", "MolisaSettings", "describe_connectors", "register_connectors"]


@hookimpl
def describe_connectors() -> list[ConnectorInfo]:
    from hub.sdk import ConnectorInfo

    from .connector import MolisaConnector
    from .settings import MolisaSettings

    return [ConnectorInfo.of(MolisaConnector, MolisaSettings)]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    from hub.sdk import connector_settings

    from .settings import MolisaSettings

    molisa = connector_settings(settings, "molisa", MolisaSettings)
    if molisa is None:
        return []
    from .connector import MolisaConnector

    return [MolisaConnector(molisa)]


def __getattr__(name: str) -> Any:  # the classes, imported on first use
    if name == "MolisaConnector":
        from .connector import MolisaConnector

        return MolisaConnector
    if name == "MolisaSettings":
        from .settings import MolisaSettings

        return MolisaSettings
    raise AttributeError(name)
