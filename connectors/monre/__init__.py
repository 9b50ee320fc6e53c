"""MONRE (Bộ TN&MT) DVC thiết yếu connector over SOAP: the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.monre]``::

    [connectors.monre]
    base_url = "https://dvc.monre.example.gov.vn"
    ma_don_vi = "000.00.22.H34"
    access_key = "..."            # or TTHC_HUB_CONNECTORS__MONRE__ACCESS_KEY

The connector and zeep are imported inside the hooks only: importing zeep costs
~120 ms, which commands that never talk to MONRE need not pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.sdk import hookimpl

if TYPE_CHECKING:
    from hub.sdk import Catalog, Connector, ConnectorInfo, HubSettings

__all__ = ["describe_connectors", "register_connectors"]


@hookimpl
def describe_connectors() -> list[ConnectorInfo]:
    from hub.sdk import ConnectorInfo

    from .connector import MonreConnector
    from .settings import MonreSettings

    return [ConnectorInfo.of(MonreConnector, MonreSettings)]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    from hub.sdk import connector_settings

    from .settings import MonreSettings

    monre = connector_settings(settings, "monre", MonreSettings)
    if monre is None:
        return []
    from .connector import MonreConnector

    files = list(getattr(settings, "catalog_files", []) or [])

    def catalog() -> Catalog:  # loaded on the first progress that needs a planned step
        from hub.sdk import load_catalog

        return load_catalog(files)

    return [MonreConnector(monre, catalog=catalog)]
