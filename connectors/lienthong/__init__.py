"""Liên thông (national interlinked services) connector: the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.lienthong]``::

    [connectors.lienthong]
    base_url = "https://lienthong.example.gov.vn"
    user_name = "ubnd-xa-dak-ha"
    password = "..."              # or TTHC_HUB_CONNECTORS__LIENTHONG__PASSWORD

Also adds ``tthc-hub lienthong ...`` (``commands.py``) and ``/api/v1/lienthong/...``
(``routes.py``): search, statistics, detail and result files of the mirrored dossiers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.sdk import hookimpl

if TYPE_CHECKING:
    from hub.sdk import Connector, HubSettings

__all__ = ["register_connectors"]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    # Imported here: `tthc-hub --help` loads this package for its commands, and must
    # not pay for httpx and the connector.
    from hub.sdk import connector_settings

    from .connector import LienthongConnector
    from .settings import LienthongSettings

    lienthong = connector_settings(settings, "lienthong", LienthongSettings)
    if lienthong is None:
        return []
    return [LienthongConnector(lienthong)]
