"""Budget-unit code connector (ngansach; Bộ Tài chính, SOAP): the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.ngansach]``::

    [connectors.ngansach]
    base_url = "https://ngansach.example.gov.vn"
    access_key = "..."      # or TTHC_HUB_CONNECTORS__NGANSACH__ACCESS_KEY
    [connectors.ngansach.lookups]
    cache_seconds = 300

Every ``tthc-hub`` start loads this module; the connector, httpx and pydantic are
imported inside the hooks only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.sdk import hookimpl

if TYPE_CHECKING:
    from hub.sdk import ConnectorInfo, DemoScenario, HubSettings

    from .connector import NgansachConnector

__all__ = [
    "NgansachConnector",
    "NgansachSettings",
    "describe_connectors",
    "register_connectors",
    "register_demo_scenarios",
]


@hookimpl
def describe_connectors() -> list[ConnectorInfo]:
    from hub.sdk import ConnectorInfo

    from .connector import NgansachConnector
    from .settings import NgansachSettings

    return [ConnectorInfo.of(NgansachConnector, NgansachSettings)]


@hookimpl
def register_connectors(settings: HubSettings) -> list[NgansachConnector]:
    from hub.sdk import connector_settings

    from .settings import NgansachSettings

    mine = connector_settings(settings, "ngansach", NgansachSettings)
    if mine is None:
        return []
    from .connector import NgansachConnector

    return [NgansachConnector(mine)]


@hookimpl
def register_demo_scenarios() -> list[DemoScenario]:
    from .demo import NgansachDemo

    return [NgansachDemo()]


def __getattr__(name: str) -> Any:  # the classes, imported on first use
    if name == "NgansachConnector":
        from .connector import NgansachConnector

        return NgansachConnector
    if name == "NgansachSettings":
        from .settings import NgansachSettings

        return NgansachSettings
    raise AttributeError(name)
