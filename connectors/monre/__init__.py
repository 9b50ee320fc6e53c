"""MONRE (Bộ TN&MT) DVC thiết yếu connector over SOAP: the plugin module.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.monre]``::

    [connectors.monre]
    base_url = "https://dvc.monre.example.gov.vn"
    ma_don_vi = "000.00.22.H34"
    access_key = "..."            # or TTHC_HUB_CONNECTORS__MONRE__ACCESS_KEY

The connector and zeep are imported inside :func:`register_connectors` only:
importing zeep costs ~120 ms, which commands that never talk to MONRE need not pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub import hookimpl
from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.catalog import Catalog
    from hub.connector import Connector
    from hub.settings import HubSettings

__all__ = ["register_connectors"]


@hookimpl
def register_connectors(settings: HubSettings) -> list[Connector]:
    section = settings.connector("monre")
    if not section or section.get("enabled", True) in (False, "false", "False", "0", 0):
        return []
    from pydantic import ValidationError

    from .connector import MonreConnector
    from .settings import MonreSettings

    try:
        monre = MonreSettings.model_validate(section)
    except ValidationError as exc:
        # Name the keys and what is wrong; never echo the values (the key is a secret).
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(section)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"bad [connectors.monre] settings: {problems}", system="monre") from None
    files = list(getattr(settings, "catalog_files", []) or [])

    def catalog() -> Catalog:  # loaded on the first progress that needs a planned step
        from hub.catalog import load_catalog

        return load_catalog(files)

    return [MonreConnector(monre, catalog=catalog)]
