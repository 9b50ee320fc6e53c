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

from typing import TYPE_CHECKING, Any, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from hub.errors import ConfigError
from hub.province import PROVINCE_FIELDS

if TYPE_CHECKING:
    from hub.settings import HubSettings

__all__ = ["ConnectorSettings", "connector_settings", "non_empty_secret", "secret_env_var"]

_OFF = (False, "false", "False", "0", 0)
M = TypeVar("M", bound=BaseModel)


class ConnectorSettings(BaseModel):
    """The settings every connector has."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    #: The ministry's base URL.
    base_url: str = Field(min_length=1)
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: Connections per client: httpx's pool degrades above ~8 in flight (measured).
    max_connections: int = Field(default=8, ge=1, le=64)
    #: An idle connection is dropped after this long. Below the 5 s after which Apache,
    #: uvicorn and Node close an idle connection, so the hub never sends on one the
    #: ministry is closing at that moment (the request would fail with a reset).
    keepalive_seconds: float = Field(default=4.0, ge=0, le=300)
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
    values (some are secrets); a wrong or missing secret also names the environment
    variable that sets it.
    """
    section = settings.connector(name)
    if not section or section.get("enabled", True) in _OFF:
        return None
    # The province's own codes, set once in [province], for a section that leaves them out.
    province = settings.province.model_dump(exclude_none=True)
    inherited = {
        key: province[key]
        for key in PROVINCE_FIELDS
        if key in model.model_fields and key in province and key not in section
    }
    section = {**section, **inherited}
    try:
        return model.model_validate(section)
    except ValidationError as exc:
        problems = "; ".join(_problem(settings, name, model, err) for err in exc.errors())
        raise ConfigError(f"bad [connectors.{name}] settings: {problems}", system=name) from None


def secret_env_var(settings: HubSettings, name: str, key: str) -> str:
    """The environment variable that sets ``key`` of ``[connectors.<name>]``, as the
    hub's settings read it: ``TTHC_HUB_CONNECTORS__MOLISA__ACCEPT_KEY``."""
    config = type(settings).model_config
    prefix = str(config.get("env_prefix") or "")
    sep = str(config.get("env_nested_delimiter") or "__")
    return f"{prefix}connectors{sep}{name}{sep}{key}".upper()


def _problem(settings: HubSettings, name: str, model: type[BaseModel], err: Any) -> str:
    loc = err["loc"]
    where = ".".join(str(p) for p in loc) or "(section)"
    text = f"{where}: {err['msg']}"
    field = model.model_fields.get(str(loc[0])) if loc else None
    if loc and str(loc[0]) in PROVINCE_FIELDS and err["type"] == "missing":
        text += f" (the province's code: set [province] {loc[0]} or [connectors.{name}] {loc[0]})"
    if field is not None and _is_secret(field.annotation):
        text += (
            f" (a secret: set it with the environment variable "
            f"{secret_env_var(settings, name, str(loc[0]))})"
        )
    return text


def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in get_args(annotation)
