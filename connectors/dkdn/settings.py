"""Settings of the dkdn connector: ``[connectors.dkdn]`` in tthc-hub.toml, or
``TTHC_HUB_CONNECTORS__DKDN__<KEY>`` in the environment."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from hub.sdk import ConnectorSettings, LookupSettings, non_empty_secret

__all__ = ["DkdnSettings"]


class DkdnSettings(ConnectorSettings):
    """The provincial gateway to the national business registration system."""

    #: The key the gateway issued; sent in the ``ApiKey`` header of every call.
    api_key: SecretStr
    lookups: LookupSettings = Field(default_factory=LookupSettings)

    @field_validator("api_key")
    @classmethod
    def _secret_set(cls, value: SecretStr) -> SecretStr:
        return non_empty_secret(value)
