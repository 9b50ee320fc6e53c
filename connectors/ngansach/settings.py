"""Settings of the ngansach connector: ``[connectors.ngansach]`` in tthc-hub.toml, or
``TTHC_HUB_CONNECTORS__NGANSACH__<KEY>`` in the environment."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from hub.sdk import ConnectorSettings, LookupSettings, non_empty_secret

__all__ = ["NgansachSettings"]


class NgansachSettings(ConnectorSettings):
    """The province's unit code and access key, sent in the XacThuc SOAP header."""

    ma_don_vi: str = Field(min_length=1, max_length=40)  # or [province] ma_don_vi
    access_key: SecretStr
    lookups: LookupSettings = Field(default_factory=LookupSettings)

    @field_validator("access_key")
    @classmethod
    def _secret_set(cls, value: SecretStr) -> SecretStr:
        return non_empty_secret(value)
