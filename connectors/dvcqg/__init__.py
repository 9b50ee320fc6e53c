"""National public-service portal (Cổng Dịch vụ công quốc gia, DVCQG): the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.dvcqg]``::

    [connectors.dvcqg]
    base_url = "https://dvcqg-adapter.example.gov.vn"
    username = "ubnd-tinh"
    password = "..."              # or TTHC_HUB_CONNECTORS__DVCQG__PASSWORD
    dstcode = "H34"
    madonvi = "000.00.00.H34"

Every dossier the province ingests is synced (``DongBoHoSoMC``) with each processing
step (``CapNhatTienDoHoSoMC``); see contract/README.md. Also adds ``tthc-hub dvcqg
check-catalog`` and ``tthc-hub dvcqg backfill`` (``commands.py``, hook
``register_commands``) and its part of ``tthc-hub demo`` (``demo.py``, hook
``register_demo_scenarios``). Every ``tthc-hub`` start loads this module, so the connector,
httpx and pydantic are imported inside the hooks only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.sdk import hookimpl

if TYPE_CHECKING:
    import typer

    from hub.sdk import Connector, ConnectorInfo, DemoScenario, HubSettings

__all__ = [
    "DvcqgConnector",
    "DvcqgSettings",
    "describe_connectors",
    "register_commands",
    "register_connectors",
    "register_demo_scenarios",
]


@hookimpl
def describe_connectors() -> list[ConnectorInfo]:
    from hub.sdk import ConnectorInfo

    from .connector import DvcqgConnector
    from .settings import DvcqgSettings

    return [ConnectorInfo.of(DvcqgConnector, DvcqgSettings)]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    from hub.sdk import connector_settings, load_catalog

    from .settings import DvcqgSettings

    dvcqg = connector_settings(settings, "dvcqg", DvcqgSettings)
    if dvcqg is None:
        return []
    from .connector import DvcqgConnector

    connector: Any = DvcqgConnector(dvcqg, catalog=load_catalog(settings.catalog_files))
    return [connector]  # PUSH, FETCH, LIST: no pull or acknowledge


@hookimpl
def register_commands() -> dict[str, typer.Typer]:
    from .commands import app

    return {"dvcqg": app}


@hookimpl
def register_demo_scenarios() -> list[DemoScenario]:
    from .demo import DvcqgDemo

    return [DvcqgDemo()]


def __getattr__(name: str) -> Any:  # the classes, imported on first use
    if name == "DvcqgConnector":
        from .connector import DvcqgConnector

        return DvcqgConnector
    if name == "DvcqgSettings":
        from .settings import DvcqgSettings

        return DvcqgSettings
    raise AttributeError(name)
