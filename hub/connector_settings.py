"""What every connector's settings share, and reading them from the hub's settings.

A connector's settings model subclasses :class:`ConnectorSettings` (enabled, base_url,
timeout, pool size; secrets as ``SecretStr`` checked with :func:`non_empty_secret`),
and its ``register_connectors`` hook is::

    @hookimpl
    def register_connectors(settings):
        mine = connector_settings(settings, "vantai", VantaiSettings)
        return [VantaiConnector(mine)] if mine else []
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.settings import HubSettings

__all__ = ["ConnectorSettings", "connector_settings", "non_empty_secret"]

_OFF = (False, "false", "False", "0", 0)
M = TypeVar("M", bound=BaseModel)


class ConnectorSettings(BaseModel):
    """The settings every connector has."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    #: The ministry's base URL.
    base_url: str = Field(min_length=1)
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: Connections per client: httpx's pool degrades above ~8 in flight (PERF-NOTES.md).
    max_connections: int = Field(default=8, ge=1, le=64)
    #: Largest reply accepted from the ministry, in bytes: a larger one is refused as it
    #: streams in, never read whole (issue #23). 16 MiB is far above any page of records.
    max_reply_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, le=1024 * 1024 * 1024)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")


def non_empty_secret(value: SecretStr) -> SecretStr:
    """For a secret field's validator: an empty key is a configuration error."""
    if not value.get_secret_value().strip():
        raise ValueError("the secret is empty")
    return value


def connector_settings(settings: HubSettings, name: str, model: type[M]) -> M | None:
    """``[connectors.<name>]`` validated with ``model``; None when absent or disabled.

    A bad section raises ConfigError naming each key and what is wrong, never the
    values (some are secrets).
    """
    section = settings.connector(name)
    if not section or section.get("enabled", True) in _OFF:
        return None
    try:
        return model.model_validate(section)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(section)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"bad [connectors.{name}] settings: {problems}", system=name) from None
