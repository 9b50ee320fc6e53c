"""Settings of the national portal connector (``[connectors.dvcqg]``).

``[connectors.dvcqg]`` in tthc-hub.toml, or ``TTHC_HUB_CONNECTORS__DVCQG__<KEY>`` in
the environment (the password: ``TTHC_HUB_CONNECTORS__DVCQG__PASSWORD``).
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from hub.sdk import ConnectorSettings, non_empty_secret

__all__ = ["DvcqgSettings"]


class DvcqgSettings(ConnectorSettings):
    """``base_url``, ``timeout_seconds``, ``max_connections`` and ``enabled`` come from
    ConnectorSettings; what the portal issued to the province is added here."""

    #: The adapter account the portal issued to the province.
    username: str = Field(min_length=1, max_length=200)
    password: SecretStr
    #: The province's ``dstcode`` (sent as a header on login).
    dstcode: str = Field(min_length=1, max_length=50)
    #: ``madonvi``: the province's unit code, in every service call.
    madonvi: str = Field(min_length=1, max_length=50)
    #: Records per page of ``LayDanhSachHoSo`` (reconciliation, backfill).
    page_size: int = Field(default=100, ge=1, le=500)
    #: ``DonViXuLy`` when the dossier names none.
    don_vi_xu_ly: str = ""

    @field_validator("password")
    @classmethod
    def _secret_set(cls, value: SecretStr) -> SecretStr:
        return non_empty_secret(value)
