"""MOLISA (Bộ LĐTBXH) social-assistance connector: the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.molisa]``::

    [connectors.molisa]
    base_url = "https://molisa.example.gov.vn"
    accept_key = "..."            # or TTHC_HUB_CONNECTORS__MOLISA__ACCEPT_KEY
    ma_tthc_map = { "1.001776.H34" = "1.001776" }
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from hub import hookimpl
from hub.errors import ConfigError

from .connector import MolisaConnector
from .settings import MolisaSettings

if TYPE_CHECKING:
    from hub.connector import Connector
    from hub.settings import HubSettings

__all__ = ["MolisaConnector", "MolisaSettings", "register_connectors"]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    section = settings.connector("molisa")
    if not section or section.get("enabled", True) in (False, "false", "False", "0", 0):
        return []
    try:
        molisa = MolisaSettings.model_validate(section)
    except ValidationError as exc:
        # Name the keys and what is wrong; never echo the values (the key is a secret).
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(section)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(
            f"bad [connectors.molisa] settings: {problems}", system="molisa"
        ) from None
    return [MolisaConnector(molisa)]
