"""Public postal service (bưu chính công ích, VNPost): the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.bcci]``::

    [connectors.bcci]
    base_url = "https://api.vnpost.example.vn"
    consumer_key = "ubnd-tinh"
    consumer_secret = "..."   # or TTHC_HUB_CONNECTORS__BCCI__CONSUMER_SECRET
    customer_code = "C0051001"
    office_name = "Trung tâm Phục vụ hành chính công tỉnh"
    office_address = "..."
    office_tel = "02553822xxx"
    office_province = "51"
    office_commune = "21157"

Route the events of dossiers filed or answered by post to ``bcci`` (``[[routes]]``):
the connector orders a pickup, a delivery (with COD for fees still owed) or a cancel
(contract/README.md). The hub reads VNPost's tracking feed on a schedule and tells the
province each change (``GET /api/v1/updates``). Adds ``tthc-hub bcci track MA_HO_SO``
and ``tthc-hub bcci orders`` (``commands.py``), ``GET /api/v1/bcci/orders``
(``routes.py``) and its part of ``tthc-hub demo`` (``demo.py``). Every ``tthc-hub``
start loads this module, so the connector is imported inside the hooks only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.sdk import hookimpl

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from hub.sdk import Connector, ConnectorInfo, DemoScenario, Hub, HubSettings

__all__ = [
    "describe_connectors",
    "register_commands",
    "register_connectors",
    "register_demo_scenarios",
    "register_routes",
]


@hookimpl
def describe_connectors() -> list[ConnectorInfo]:
    from hub.sdk import ConnectorInfo

    from .connector import BcciConnector
    from .settings import BcciSettings

    return [ConnectorInfo.of(BcciConnector, BcciSettings)]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    from hub.sdk import connector_settings

    from .settings import BcciSettings

    mine = connector_settings(settings, "bcci", BcciSettings)
    if mine is None:
        return []
    from .connector import BcciConnector

    connector: Any = BcciConnector(mine)
    return [connector]


@hookimpl
def register_commands() -> dict[str, typer.Typer]:
    from .commands import app

    return {"bcci": app}


@hookimpl
def register_routes(hub: Hub) -> dict[str, APIRouter]:
    from .routes import router

    return {"bcci": router(hub)}


@hookimpl
def register_demo_scenarios() -> list[DemoScenario]:
    from .demo import BcciDemo

    return [BcciDemo()]
