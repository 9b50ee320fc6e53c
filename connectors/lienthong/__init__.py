"""Liên thông (national interlinked services) connector: the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.lienthong]``::

    [connectors.lienthong]
    base_url = "https://lienthong.example.gov.vn"
    user_name = "ubnd-xa-dak-ha"
    password = "..."              # or TTHC_HUB_CONNECTORS__LIENTHONG__PASSWORD

Also adds ``tthc-hub lienthong ...`` (``commands.py``, hook ``register_commands``) and
``/api/v1/lienthong/...`` (``routes.py``, hook ``register_routes``, served only while
the connector is enabled): search, statistics, detail and result files of the mirrored
dossiers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.sdk import hookimpl

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from hub.sdk import Connector, ConnectorInfo, Hub, HubSettings

__all__ = ["describe_connectors", "register_commands", "register_connectors", "register_routes"]


@hookimpl
def describe_connectors() -> list[ConnectorInfo]:
    from hub.sdk import ConnectorInfo

    from .connector import LienthongConnector
    from .settings import LienthongSettings

    return [ConnectorInfo.of(LienthongConnector, LienthongSettings)]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    # Imported here: every `tthc-hub` start loads this module for its commands, and
    # must not pay for httpx and the connector.
    from hub.sdk import connector_settings

    from .settings import LienthongSettings

    lienthong = connector_settings(settings, "lienthong", LienthongSettings)
    if lienthong is None:
        return []
    from .connector import LienthongConnector

    return [LienthongConnector(lienthong)]


@hookimpl
def register_commands() -> dict[str, typer.Typer]:
    from .commands import app

    return {"lienthong": app}


@hookimpl
def register_routes(hub: Hub) -> dict[str, APIRouter]:
    from .routes import build

    return {"lienthong": build(hub)}
