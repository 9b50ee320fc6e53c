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

from pydantic import ValidationError

from hub import hookimpl
from hub.errors import ConfigError

from .connector import HotichConnector
from .settings import HotichSettings

if TYPE_CHECKING:
    from hub.connector import Connector
    from hub.settings import HubSettings

__all__ = ["HotichConnector", "HotichSettings", "register_connectors"]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    section = settings.connector("hotich")
    if not section or section.get("enabled", True) in (False, "false", "False", "0", 0):
        return []
    try:
        hotich = HotichSettings.model_validate(section)
    except ValidationError as exc:
        # Name the keys and what is wrong; never echo the values (the key is a secret).
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(section)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(
            f"bad [connectors.hotich] settings: {problems}", system="hotich"
        ) from None
    return [HotichConnector(hotich)]
