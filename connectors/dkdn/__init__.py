"""Business registration connector (dkdn; Bộ KH&ĐT via the provincial gateway): plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.dkdn]``::

    [connectors.dkdn]
    base_url = "https://dkdn.example.gov.vn"
    api_key = "..."         # or TTHC_HUB_CONNECTORS__DKDN__API_KEY
    [connectors.dkdn.lookups]
    cache_seconds = 300

Every ``tthc-hub`` start loads this module; the connector, httpx and pydantic are
imported inside the hooks only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.sdk import hookimpl

if TYPE_CHECKING:
    from hub.sdk import ConnectorInfo, DemoScenario, HubSettings

    from .connector import DkdnConnector

__all__ = [
    "DkdnConnector",
    "DkdnSettings",
    "describe_connectors",
    "register_connectors",
    "register_demo_scenarios",
]


@hookimpl
def describe_connectors() -> list[ConnectorInfo]:
    from hub.sdk import ConnectorInfo

    from .connector import DkdnConnector
    from .settings import DkdnSettings

    return [ConnectorInfo.of(DkdnConnector, DkdnSettings)]


@hookimpl
def register_connectors(settings: HubSettings) -> list[DkdnConnector]:
    from hub.sdk import connector_settings

    from .settings import DkdnSettings

    mine = connector_settings(settings, "dkdn", DkdnSettings)
    if mine is None:
        return []
    from .connector import DkdnConnector

    return [DkdnConnector(mine)]


@hookimpl
def register_demo_scenarios() -> list[DemoScenario]:
    from .demo import DkdnDemo

    return [DkdnDemo()]


def __getattr__(name: str) -> Any:  # the classes, imported on first use
    if name == "DkdnConnector":
        from .connector import DkdnConnector

        return DkdnConnector
    if name == "DkdnSettings":
        from .settings import DkdnSettings

        return DkdnSettings
    raise AttributeError(name)
