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

from hub import hookimpl

if TYPE_CHECKING:
    from hub.connector import Connector
    from hub.settings import HubSettings

__all__ = ["register_connectors"]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    # Imported here: `tthc-hub --help` loads this package for its commands, and must
    # not pay for httpx and the connector.
    from pydantic import ValidationError

    from hub.errors import ConfigError

    from .connector import LienthongConnector
    from .settings import LienthongSettings

    section = settings.connector("lienthong")
    if not section or section.get("enabled", True) in (False, "false", "False", "0", 0):
        return []
    try:
        lienthong = LienthongSettings.model_validate(section)
    except ValidationError as exc:
        # Name the keys and what is wrong; never echo the values (the key is a secret).
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(section)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(
            f"bad [connectors.lienthong] settings: {problems}", system="lienthong"
        ) from None
    return [LienthongConnector(lienthong)]
