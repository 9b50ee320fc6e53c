"""MOLISA (Bộ LĐTBXH) social-assistance connector: the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.molisa]``::

    [connectors.molisa]
    base_url = "https://molisa.example.gov.vn"
    accept_key = "..."            # or TTHC_HUB_CONNECTORS__MOLISA__ACCEPT_KEY
    ma_tthc_map = { "1.001776.H34" = "1.001776" }
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.sdk import connector_settings, hookimpl

from .connector import MolisaConnector
from .settings import MolisaSettings

if TYPE_CHECKING:
    from hub.sdk import Connector, HubSettings

__all__ = ["MolisaConnector", "MolisaSettings", "register_connectors"]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    molisa = connector_settings(settings, "molisa", MolisaSettings)
    if molisa is None:
        return []
    return [MolisaConnector(molisa)]
