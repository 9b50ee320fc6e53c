"""Hộ tịch (Bộ Tư pháp) connector: the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.hotich]``::

    [connectors.hotich]
    base_url = "https://hotich.example.gov.vn"
    api_key = "..."               # or TTHC_HUB_CONNECTORS__HOTICH__API_KEY
    ma_don_vi = "000.00.22.H34"
    modules = { "1.001193" = "LTKS", "1.000656" = "LTKT", "1.000894" = "LTKH" }

Every ``tthc-hub`` start loads this module (for the command groups); the connector,
httpx and pydantic are imported inside the hooks only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.sdk import hookimpl

if TYPE_CHECKING:
    from hub.sdk import Connector, ConnectorInfo, HubSettings

__all__ = ["HotichConnector", "HotichSettings", "describe_connectors", "register_connectors"]


@hookimpl
def describe_connectors() -> list[ConnectorInfo]:
    from hub.sdk import ConnectorInfo

    from .connector import HotichConnector
    from .settings import HotichSettings

    return [ConnectorInfo.of(HotichConnector, HotichSettings)]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    from hub.sdk import connector_settings

    from .settings import HotichSettings

    hotich = connector_settings(settings, "hotich", HotichSettings)
    if hotich is None:
        return []
    from .connector import HotichConnector

    return [HotichConnector(hotich)]


def __getattr__(name: str) -> Any:  # the classes, imported on first use
    if name == "HotichConnector":
        from .connector import HotichConnector

        return HotichConnector
    if name == "HotichSettings":
        from .settings import HotichSettings

        return HotichSettings
    raise AttributeError(name)
