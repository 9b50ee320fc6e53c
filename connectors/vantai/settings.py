"""Settings of the vantai connector: ``[connectors.vantai]`` in tthc-hub.toml, or
``TTHC_HUB_CONNECTORS__VANTAI__<KEY>`` in the environment."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from hub.sdk import ConnectorSettings, LookupSettings, non_empty_secret

__all__ = ["VantaiSettings"]


class VantaiSettings(ConnectorSettings):
    """What Bộ GTVT issued to the province: an account, the unit code and an ApiKey."""

    username: str = Field(min_length=1)
    password: SecretStr
    #: The province's unit code, sent as the ``MaDonVi`` header.
    ma_don_vi: str = Field(min_length=1, max_length=50)
    #: Sent as the ``ApiKey`` header.
    api_key: SecretStr
    page_size: int = Field(default=50, ge=1, le=500)
    lookups: LookupSettings = Field(default_factory=LookupSettings)

    @field_validator("password", "api_key")
    @classmethod
    def _secret_set(cls, value: SecretStr) -> SecretStr:
        return non_empty_secret(value)
