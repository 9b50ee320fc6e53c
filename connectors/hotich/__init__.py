"""Hộ tịch (Bộ Tư pháp) connector: the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.hotich]``::

    [connectors.hotich]
    base_url = "https://hotich.example.gov.vn"
    api_key = "..."               # or TTHC_HUB_CONNECTORS__HOTICH__API_KEY
    ma_don_vi = "000.00.22.H34"
    modules = { "1.001193" = "LTKS", "1.000656" = "LTKT", "1.000894" = "LTKH" }
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.sdk import connector_settings, hookimpl

from .connector import HotichConnector
from .settings import HotichSettings

if TYPE_CHECKING:
    from hub.sdk import Connector, HubSettings

__all__ = ["HotichConnector", "HotichSettings", "register_connectors"]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    hotich = connector_settings(settings, "hotich", HotichSettings)
    if hotich is None:
        return []
    return [HotichConnector(hotich)]
