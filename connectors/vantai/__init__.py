"""Bộ GTVT transport connector (vantai): the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.vantai]``::

    [connectors.vantai]
    base_url = "https://vantai.example.gov.vn"
    username = "kontum"
    password = "..."        # or TTHC_HUB_CONNECTORS__VANTAI__PASSWORD
    ma_don_vi = "000.00.22.H34"
    api_key = "..."         # or TTHC_HUB_CONNECTORS__VANTAI__API_KEY
    [connectors.vantai.lookups]
    cache_seconds = 300

Every ``tthc-hub`` start loads this module; the connector, httpx and pydantic are
imported inside the hooks only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.sdk import hookimpl

if TYPE_CHECKING:
    from hub.sdk import ConnectorInfo, DemoScenario, HubSettings

    from .connector import VantaiConnector

__all__ = [
    "VantaiConnector",
    "VantaiSettings",
    "describe_connectors",
    "register_connectors",
    "register_demo_scenarios",
]


@hookimpl
def describe_connectors() -> list[ConnectorInfo]:
    from hub.sdk import ConnectorInfo

    from .connector import VantaiConnector
    from .settings import VantaiSettings

    return [ConnectorInfo.of(VantaiConnector, VantaiSettings)]


@hookimpl
def register_connectors(settings: HubSettings) -> list[VantaiConnector]:
    from hub.sdk import connector_settings

    from .settings import VantaiSettings

    mine = connector_settings(settings, "vantai", VantaiSettings)
    if mine is None:
        return []
    from .connector import VantaiConnector

    return [VantaiConnector(mine)]


@hookimpl
def register_demo_scenarios() -> list[DemoScenario]:
    from .demo import VantaiDemo

    return [VantaiDemo()]


def __getattr__(name: str) -> Any:  # the classes, imported on first use
    if name == "VantaiConnector":
        from .connector import VantaiConnector

        return VantaiConnector
    if name == "VantaiSettings":
        from .settings import VantaiSettings

        return VantaiSettings
    raise AttributeError(name)
